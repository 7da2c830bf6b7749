package dev.sluice.internal;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Decision;
import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * One limit's whole state in one {@code long}, so a store can decide with one compare-and-set:
 * the fast form of {@link Transition} for a key with a single limit. Same answers, bit for bit
 * (checked against the transitions by property tests), computed from primitives: nothing is
 * allocated but the returned {@link Decision}.
 *
 * <ul>
 *   <li>Token bucket and GCRA: the theoretical arrival time in ticks of {@code 1/c} µs, where
 *       {@code c = count / gcd(period, count)}; the emission interval is then a whole number of
 *       ticks. Fits when {@code c <= 512} (times stay below 2^53 µs).
 *   <li>Fixed window: window index and count used, packed (the index of an epoch-aligned window,
 *       or the number of a {@link CalendarPeriod.Window}).
 *   <li>Sliding window counter: window index, previous and current counts, packed.
 * </ul>
 *
 * The sliding window log keeps a variable-sized log and has no packed form; limits whose numbers
 * do not fit use the transitions. A word is never {@link #DEAD} (reserved for stores) and equals
 * {@link #EMPTY} when the limit holds no state.
 */
public abstract class Packed {

  /** Reserved for stores: the word of a key that was removed. No state ever packs to it. */
  public static final long DEAD = Long.MIN_VALUE;
  /** The word of a limit without state (a full bucket, an empty window). */
  public static final long EMPTY = Long.MIN_VALUE + 1;
  /** What {@link #take} returns when the limit refuses. */
  public static final long REFUSED = Long.MIN_VALUE + 2;

  /** Largest absolute time, in µs, the encodings are built for (as the Lua scripts: 2^53). */
  private static final long TIME_RANGE = 1L << 53;

  final Limit limit;
  /** count. */
  final long c;
  /** period, µs. */
  final long p;

  Packed(Limit limit) {
    this.limit = limit;
    this.c = limit.count();
    this.p = limit.periodMicros();
  }

  /** The packed form of {@code limit}, or null when its numbers do not fit one word. */
  public static @Nullable Packed of(Limit limit) {
    return switch (limit.algorithm()) {
      case TOKEN_BUCKET, GCRA -> Bucket.fits(limit) ? new Bucket(limit) : null;
      case FIXED_WINDOW -> Window.fits(limit) ? new Window(limit) : null;
      case SLIDING_WINDOW_COUNTER -> Counter.fits(limit) ? new Counter(limit) : null;
      case SLIDING_WINDOW_LOG -> null;
    };
  }

  public final Limit limit() {
    return limit;
  }

  /**
   * The word after taking {@code k} permits at {@code now} from {@code word}, or {@link
   * #REFUSED}. {@code k == 0} returns {@code word} itself (a check writes nothing). With {@code
   * maxWaitMicros > 0}, a bucket may go into debt for permits due within that wait (see {@link
   * dev.sluice.spi.KeyedLimits#reserve}); windows ignore it.
   */
  public abstract long take(long word, long now, long k, long maxWaitMicros);

  /** The decision of a check (or an admission) that leaves the limit at {@code word}. */
  public abstract Decision admitted(long word, long now);

  /** The denial of {@code k} permits at {@code now}, the limit being at {@code word}. */
  public abstract Decision refused(long word, long now, long k);

  /** Permits a request could take now: the {@code remaining} of a check. */
  public abstract long available(long word, long now);

  /**
   * Microseconds until {@code k} permits taken from {@code word} by {@link #take} with a wait are
   * due: 0 unless a bucket went into debt for them.
   */
  public long waitMicros(long word, long now, long k) {
    return 0;
  }

  /**
   * The word after taking {@code k > 0} permits past the limit (see {@link Transition#past}: the
   * same bounds, the same state).
   */
  public abstract long past(long word, long now, long k);

  /** {@code used + k}, at most {@link Transition#pastCap(long)} and never less than {@code used}. */
  final long addCapped(long used, long k) {
    long cap = Transition.pastCap(c);
    return used >= cap ? used : used + Math.min(k, cap - used);
  }

  /** The word after giving back {@code k} permits (see {@link dev.sluice.spi.KeyedLimits#refund}). */
  public abstract long refund(long word, long now, long k);

  /** Whether {@code word} says no more than "no state" at {@code now}: the key may be removed. */
  public abstract boolean expired(long word, long now);

  /** {@link Transition#carry} of the state {@code word} holds. */
  public abstract @Nullable Carry carry(long word, long now);

  /** {@link Transition#adopt} as a word ({@link #EMPTY} for "no state"). */
  public long adopt(Carry carry, long now) {
    return carry.takenBy(limit) ? past(EMPTY, now, carry.used) : EMPTY;
  }

  static long ceilDiv(long a, long b) {
    long q = a / b;
    return a % b > 0 ? q + 1 : q;
  }

  /** Bits needed for values {@code 0..max}. */
  static int bits(long max) {
    return 64 - Long.numberOfLeadingZeros(max);
  }

  /** Bits needed for a signed window index of period {@code p} within the time range. */
  static int indexBits(long p) {
    return bits(TIME_RANGE / p + 1) + 1;
  }

  /** Token bucket and GCRA: the theoretical arrival time, in ticks of 1/c µs. */
  static final class Bucket extends Packed {
    /** Largest tick denominator that keeps every time below 2^62 ticks. */
    private static final long MAX_DENOMINATOR = 512;

    private final long b;
    /** Ticks per µs. */
    private final long d;
    /** The emission interval, in ticks. */
    private final long t;
    /** burst × t: the most debt a request may find and still be admitted (with k = 0). */
    private final long tolerance;
    /** The longest reservation the exact arithmetic allows, µs. */
    private final long maxSafeWait;

    Bucket(Limit limit) {
      super(limit);
      long g = Rate.gcd(p, c);
      this.b = limit.burst();
      this.d = c / g;
      this.t = p / g;
      this.tolerance = b * t;
      long refill = ceilDiv(tolerance, d);
      long permitsInDebt = (1L << 53) / d - b;
      long byPermits = permitsInDebt <= 0 ? 0
          : Math.multiplyHigh(permitsInDebt, t) != 0 || permitsInDebt * t < 0
              ? Long.MAX_VALUE : permitsInDebt * t / d;
      this.maxSafeWait = Math.max(0, Math.min((1L << 52) - refill, byPermits));
    }

    static boolean fits(Limit limit) {
      return limit.count() / Rate.gcd(limit.periodMicros(), limit.count()) <= MAX_DENOMINATOR;
    }

    private long debt(long word, long nowTicks) {
      return word == EMPTY ? 0 : Math.max(0, word - nowTicks);
    }

    @Override
    public long take(long word, long now, long k, long maxWaitMicros) {
      if (k == 0) {
        return word;
      }
      if (k > b) {
        return REFUSED;
      }
      long nowTicks = now * d;
      long debt = debt(word, nowTicks);
      long over = debt - (b - k) * t; // > 0: ticks until the permits are due
      if (over > 0 && (maxWaitMicros == 0
          || micros(over) > Math.min(maxWaitMicros, maxSafeWait))) {
        return REFUSED;
      }
      return nowTicks + debt + k * t;
    }

    @Override
    public long past(long word, long now, long k) {
      long nowTicks = now * d;
      long debt = debt(word, nowTicks);
      long room = tolerance + maxSafeWait * d - debt; // ticks the debt may still grow
      long taken = room <= 0 ? 0 : Math.min(k, room / t);
      return taken == 0 ? word : nowTicks + debt + taken * t;
    }

    @Override
    public long waitMicros(long word, long now, long k) {
      if (k == 0) { // a check waits for nothing
        return 0;
      }
      long over = debt(word, now * d) + k * t - tolerance;
      return over > 0 ? micros(over) : 0;
    }

    @Override
    public Decision admitted(long word, long now) {
      long debt = debt(word, now * d);
      return Decision.allowed(limit, remaining(debt), micros(debt));
    }

    @Override
    public Decision refused(long word, long now, long k) {
      long debt = debt(word, now * d);
      long retry = k > b ? Long.MAX_VALUE : micros(debt - (b - k) * t);
      return Decision.denied(limit, remaining(debt), micros(debt), retry);
    }

    /** Ticks rounded up to whole µs (no division in the common case of whole-µs ticks). */
    private long micros(long ticks) {
      return d == 1 ? ticks : ceilDiv(ticks, d);
    }

    @Override
    public long available(long word, long now) {
      return remaining(debt(word, now * d));
    }

    /** floor((burst × T - debt) / T), at least 0. */
    private long remaining(long debt) {
      return debt >= tolerance ? 0 : b - ceilDiv(debt, t);
    }

    @Override
    public long refund(long word, long now, long k) {
      long nowTicks = now * d;
      if (word == EMPTY || word <= nowTicks || k == 0) {
        return word;
      }
      return k >= ceilDiv(word - nowTicks, t) ? EMPTY : word - k * t;
    }

    @Override
    public boolean expired(long word, long now) {
      return word == EMPTY || word <= now * d;
    }

    @Override
    public @Nullable Carry carry(long word, long now) {
      return Carry.of(limit, ceilDiv(debt(word, now * d), t));
    }
  }

  /**
   * Fixed window: {@code index × 2^bits + used}, the index {@code floor(now / p)} or, for a
   * calendar period, the number of its window.
   */
  static final class Window extends Packed {
    /**
     * Bits of a calendar window's number (signed) within the time range: a day's number is its
     * epoch day, and no calendar unit is numbered faster.
     */
    private static final int CALENDAR_INDEX_BITS = bits(TIME_RANGE / 86_400_000_000L + 2) + 1;

    private final int bits;
    private final long mask;
    private final @Nullable CalendarPeriod calendar;

    Window(Limit limit) {
      super(limit);
      this.bits = bits(Transition.pastCap(c));
      this.mask = (1L << bits) - 1;
      this.calendar = limit.calendar().orElse(null);
    }

    static boolean fits(Limit limit) {
      int index = limit.calendar().isPresent() ? CALENDAR_INDEX_BITS
          : indexBits(limit.periodMicros());
      return index + bits(Transition.pastCap(limit.count())) <= 62;
    }

    /** The number of the window holding {@code now}. */
    private long index(long now) {
      return calendar == null ? Math.floorDiv(now, p) : calendar.windowAt(now).index();
    }

    /** When the window numbered {@code index} ends. */
    private long endOf(long index) {
      return calendar == null ? (index + 1) * p : calendar.window(index).endMicros();
    }

    /** The stored window's index if it is the current one (or later), else now's, as {@code
     * [index, used]} packed back into a word (used 0 for a fresh window). */
    private long current(long word, long now) {
      long index = index(now);
      if (word != EMPTY && (word >> bits) >= index) {
        return word;
      }
      return index << bits;
    }

    @Override
    public long take(long word, long now, long k, long maxWaitMicros) {
      if (k == 0) {
        return word;
      }
      long w = current(word, now);
      return k > c || (w & mask) + k > c ? REFUSED : w + k;
    }

    @Override
    public long past(long word, long now, long k) {
      long w = current(word, now);
      long used = w & mask;
      return w - used + addCapped(used, k);
    }

    @Override
    public Decision admitted(long word, long now) {
      long w = current(word, now);
      long used = w & mask;
      return Decision.allowed(limit, Math.max(0, c - used), used > 0 ? end(w, now) : 0);
    }

    @Override
    public Decision refused(long word, long now, long k) {
      long w = current(word, now);
      long used = w & mask;
      long end = end(w, now);
      return k > c
          ? Decision.denied(limit, Math.max(0, c - used), used > 0 ? end : 0, Long.MAX_VALUE)
          : Decision.denied(limit, Math.max(0, c - used), end, end);
    }

    private long end(long w, long now) {
      return endOf(w >> bits) - now;
    }

    @Override
    public long available(long word, long now) {
      return Math.max(0, c - (current(word, now) & mask));
    }

    @Override
    public long refund(long word, long now, long k) {
      if (word == EMPTY || (word >> bits) < index(now) || k == 0) {
        return word;
      }
      long used = word & mask;
      return used <= k ? EMPTY : word - k;
    }

    @Override
    public boolean expired(long word, long now) {
      return word == EMPTY || endOf(word >> bits) <= now;
    }

    @Override
    public @Nullable Carry carry(long word, long now) {
      return word == EMPTY ? null : Carry.of(limit, current(word, now) & mask);
    }
  }

  /** Sliding window counter: {@code (index × 2^bits + previous) × 2^bits + current}. */
  static final class Counter extends Packed {
    private final int bits;
    private final long mask;

    Counter(Limit limit) {
      super(limit);
      this.bits = bits(Transition.pastCap(c));
      this.mask = (1L << bits) - 1;
    }

    static boolean fits(Limit limit) {
      return indexBits(limit.periodMicros()) + 2 * bits(Transition.pastCap(limit.count())) <= 62;
    }

    /** The state seen from now's window: the stored window if current (or later), else now's
     * window with the stored current count as previous when the stored window just ended. */
    private long current(long word, long now) {
      long index = Math.floorDiv(now, p);
      if (word != EMPTY) {
        long stored = word >> (2 * bits);
        if (stored >= index) {
          return word;
        }
        if (stored == index - 1) {
          return ((index << bits) + (word & mask)) << bits;
        }
      }
      return index << (2 * bits);
    }

    private long start(long w) {
      return (w >> (2 * bits)) * p;
    }

    private long previous(long w) {
      return (w >> bits) & mask;
    }

    private long weighted(long w, long now) {
      long prev = previous(w);
      long elapsed = Math.max(0, now - start(w));
      return prev == 0 ? 0 : MulDiv.ceil(prev, p - elapsed, p);
    }

    @Override
    public long take(long word, long now, long k, long maxWaitMicros) {
      if (k == 0) {
        return word;
      }
      long w = current(word, now);
      return k > c || weighted(w, now) + (w & mask) + k > c ? REFUSED : w + k;
    }

    @Override
    public long past(long word, long now, long k) {
      long w = current(word, now);
      long curr = w & mask;
      return w - curr + addCapped(curr, k);
    }

    @Override
    public Decision admitted(long word, long now) {
      long w = current(word, now);
      return Decision.allowed(limit, available(w, now), reset(w, now));
    }

    @Override
    public Decision refused(long word, long now, long k) {
      long w = current(word, now);
      long retry = k > c ? Long.MAX_VALUE
          : SlidingWindowCounter.retry(c, p, start(w), previous(w), w & mask, now, k);
      return Decision.denied(limit, available(w, now), reset(w, now), retry);
    }

    private long reset(long w, long now) {
      return SlidingWindowCounter.reset(p, start(w), previous(w), w & mask, now);
    }

    @Override
    public long available(long word, long now) {
      long w = current(word, now);
      return Math.max(0, c - weighted(w, now) - (w & mask));
    }

    @Override
    public long refund(long word, long now, long k) {
      if (word == EMPTY || (word >> (2 * bits)) < Math.floorDiv(now, p) || k == 0) {
        return word;
      }
      long curr = word & mask;
      long left = curr <= k ? 0 : curr - k;
      return left == 0 && previous(word) == 0 ? EMPTY : word - curr + left;
    }

    @Override
    public boolean expired(long word, long now) {
      return word == EMPTY || reset(current(word, now), now) <= 0;
    }

    @Override
    public @Nullable Carry carry(long word, long now) {
      if (word == EMPTY) {
        return null;
      }
      long w = current(word, now);
      long used = weighted(w, now) + (w & mask);
      return used > 0 ? new Carry(limit, used, previous(w), w & mask, null) : null;
    }

    /** As {@link SlidingWindowCounter#adopt}: both counts kept when the period is unchanged. */
    @Override
    public long adopt(Carry carry, long now) {
      if (carry.takenBy(limit) && carry.from.periodMicros() == p) {
        long cap = Transition.pastCap(c);
        long index = Math.floorDiv(now, p);
        long prev = Math.min(carry.previous, cap);
        long curr = Math.min(carry.current, cap);
        return prev == 0 && curr == 0 ? EMPTY : (((index << bits) + prev) << bits) + curr;
      }
      return super.adopt(carry, now);
    }
  }

  @Override
  public String toString() {
    return "Packed[" + limit + "]";
  }

  /** Whether {@code algorithm} ever packs (used by docs and tests). */
  static boolean packs(Algorithm algorithm) {
    return algorithm != Algorithm.SLIDING_WINDOW_LOG;
  }
}
