package dev.sluice.internal;

import static dev.sluice.internal.Result.NEVER;

import dev.sluice.Limit;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Deliberately naive definitions of the five algorithms, written from their specification rather
 * than from the implementation: no code shared with it, plain {@code long} arithmetic on the small
 * values the properties generate, and searches over time where the implementation has a closed
 * formula. {@link #acquire} takes the permits when admitted and {@code permits > 0}; {@link
 * #reserve} may take them into debt (buckets); {@link #refund} gives them back; {@link #reset}
 * forgets everything.
 *
 * <p>Time may move back, as a skewed clock does, with the documented consequences: a bucket counts
 * the time between now and its state as refill not yet accrued (debt); a window never moves
 * backwards (a later window, once counted in, keeps counting); the sliding log never writes an
 * entry before its newest one and forgets, when it takes permits, entries that had left the
 * window.
 */
abstract class ReferenceModel {
  final long c;
  final long p;

  ReferenceModel(Limit limit) {
    this.c = limit.count();
    this.p = limit.periodMicros();
  }

  static ReferenceModel of(Limit limit) {
    return switch (limit.algorithm()) {
      case TOKEN_BUCKET, GCRA -> new Bucket(limit);
      case FIXED_WINDOW -> new FixedWindow(limit);
      case SLIDING_WINDOW_LOG -> new SlidingLog(limit);
      case SLIDING_WINDOW_COUNTER -> new SlidingCounter(limit);
    };
  }

  abstract Result acquire(long now, long permits);

  /**
   * Takes the permits for use after a wait of at most {@code maxWait}. The window algorithms cannot
   * reserve a window that has not started: exactly {@link #acquire}, with no wait.
   */
  Reserved reserve(long now, long permits, long maxWait) {
    return new Reserved(acquire(now, permits), 0);
  }

  /** Gives back {@code permits}; returns the zero-permit check afterwards. */
  abstract Result refund(long now, long permits);

  /** Forgets the state. */
  abstract void reset();

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** The first t in [from, to] where {@code ok} holds; {@code ok} is monotone and holds at to. */
  static long firstTime(long from, long to, LongPredicate ok) {
    long lo = from;
    long hi = to;
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (ok.test(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * A fluid bucket: its exact content is kept in units of 1/period token, so refilling {@code
   * count} tokens per period adds exactly {@code count} units per microsecond. Whole tokens are the
   * floor of the content; times are rounded up. The content goes negative in debt (permits
   * reserved before they accrue) and when the clock moves back (refill not yet accrued).
   */
  static final class Bucket extends ReferenceModel {
    final long b;
    final long full;
    /** The spec's bound on a wait: min(2^52 - ceil(b×T), floor((floor(2^53/c') - b) × T)). */
    final long maxSafe;
    long content;
    long last;
    boolean fresh = true;

    Bucket(Limit limit) {
      super(limit);
      this.b = limit.burst();
      this.full = b * p;
      BigInteger bp = BigInteger.valueOf(b).multiply(BigInteger.valueOf(p));
      BigInteger count = BigInteger.valueOf(c);
      BigInteger reduced = count.divide(count.gcd(BigInteger.valueOf(p)));
      BigInteger ceilBt = bp.add(count).subtract(BigInteger.ONE).divide(count);
      BigInteger first = BigInteger.TWO.pow(52).subtract(ceilBt);
      BigInteger second = BigInteger.TWO.pow(53).divide(reduced).subtract(BigInteger.valueOf(b))
          .multiply(BigInteger.valueOf(p)).divide(count);
      this.maxSafe = first.min(second).longValueExact();
    }

    /** The content at {@code now}: at most full. */
    long level(long now) {
      if (fresh) {
        return full;
      }
      long elapsed = now - last;
      if (elapsed >= ceilDiv(full - content, c)) {
        return full;
      }
      return content + c * elapsed; // negative elapsed: the clock moved back
    }

    Result check(long f) {
      return Result.allowed(Math.max(0, Math.floorDiv(f, p)), ceilDiv(full - f, c));
    }

    @Override
    Result acquire(long now, long k) {
      long f = level(now);
      long remaining = Math.max(0, Math.floorDiv(f, p));
      if (k > b) {
        return Result.denied(remaining, ceilDiv(full - f, c), NEVER);
      }
      if (k == 0) {
        return check(f);
      }
      if (f >= k * p) {
        f -= k * p;
        content = f;
        last = now;
        fresh = false;
        return check(f);
      }
      return Result.denied(remaining, ceilDiv(full - f, c), ceilDiv(k * p - f, c));
    }

    @Override
    Reserved reserve(long now, long k, long maxWait) {
      long f = level(now);
      if (k == 0 || k > b || f >= k * p) {
        return new Reserved(acquire(now, k), 0);
      }
      long wait = ceilDiv(k * p - f, c); // the permits are due when the content reaches k × p
      if (wait > Math.min(maxWait, maxSafe)) {
        return new Reserved(acquire(now, k), 0);
      }
      content = f - k * p;
      last = now;
      fresh = false;
      return new Reserved(Result.allowed(0, ceilDiv(full - content, c)), wait);
    }

    @Override
    Result refund(long now, long k) {
      long f = level(now);
      if (k > 0 && f < full) {
        content = k >= ceilDiv(full - f, p) ? full : f + k * p;
        last = now;
        fresh = false;
      }
      return acquire(now, 0);
    }

    @Override
    void reset() {
      fresh = true;
    }
  }

  /** A counter per epoch-aligned window; a window once counted in never gives way to an earlier. */
  static final class FixedWindow extends ReferenceModel {
    final Map<Long, Long> used = new HashMap<>();
    long latest = Long.MIN_VALUE;

    FixedWindow(Limit limit) {
      super(limit);
    }

    long window(long now) {
      return Math.max(Math.floorDiv(now, p) * p, latest);
    }

    @Override
    Result acquire(long now, long k) {
      long w = window(now);
      long u = used.getOrDefault(w, 0L);
      long end = w + p - now;
      if (k > c) {
        return Result.denied(c - u, u > 0 ? end : 0, NEVER);
      }
      if (u + k <= c) {
        u += k;
        if (k > 0) {
          used.put(w, u);
          latest = w;
        }
        return Result.allowed(c - u, u > 0 ? end : 0);
      }
      return Result.denied(c - u, end, end);
    }

    @Override
    Result refund(long now, long k) {
      if (latest != Long.MIN_VALUE && latest >= Math.floorDiv(now, p) * p) {
        used.put(latest, Math.max(0, used.get(latest) - k));
      }
      return acquire(now, 0);
    }

    @Override
    void reset() {
      used.clear();
      latest = Long.MIN_VALUE;
    }
  }

  /** Every admission with its time; the window (t - period, ...] is summed on demand. */
  static final class SlidingLog extends ReferenceModel {
    final List<long[]> log = new ArrayList<>();

    SlidingLog(Limit limit) {
      super(limit);
    }

    long used(long t) {
      long sum = 0;
      for (long[] e : log) {
        if (e[0] > t - p) {
          sum += e[1];
        }
      }
      return sum;
    }

    long newest(long now) {
      long newest = Long.MIN_VALUE;
      for (long[] e : log) {
        if (e[0] > now - p) {
          newest = Math.max(newest, e[0]);
        }
      }
      return newest;
    }

    long reset(long now) {
      long newest = newest(now);
      return newest == Long.MIN_VALUE ? 0 : newest + p - now;
    }

    @Override
    Result acquire(long now, long k) {
      long u = used(now);
      if (k > c) {
        return Result.denied(c - u, reset(now), NEVER);
      }
      if (u + k <= c) {
        if (k > 0) {
          log.removeIf(e -> e[0] <= now - p);
          log.add(new long[] {Math.max(now, newest(now)), k});
        }
        return Result.allowed(c - u - k, reset(now));
      }
      long horizon = Math.max(now, newest(now)) + p;
      long retry = firstTime(now, horizon, t -> used(t) + k <= c);
      return Result.denied(c - u, reset(now), retry - now);
    }

    @Override
    Result refund(long now, long k) {
      long left = k;
      for (int i = log.size() - 1; i >= 0 && left > 0 && log.get(i)[0] > now - p; i--) {
        long[] e = log.get(i);
        long n = Math.min(e[1], left);
        e[1] -= n;
        left -= n;
        if (e[1] == 0) {
          log.remove(i);
        }
      }
      return acquire(now, 0);
    }

    @Override
    void reset() {
      log.clear();
    }
  }

  /** Counts per epoch-aligned window; the estimate is recomputed from them at any time. */
  static final class SlidingCounter extends ReferenceModel {
    final Map<Long, Long> counts = new HashMap<>();
    long latest = Long.MIN_VALUE;

    SlidingCounter(Limit limit) {
      super(limit);
    }

    long window(long t) {
      return Math.max(Math.floorDiv(t, p) * p, latest);
    }

    long estimate(long t) {
      long w = window(t);
      long prev = counts.getOrDefault(w - p, 0L);
      long curr = counts.getOrDefault(w, 0L);
      return ceilDiv(prev * (p - Math.max(0, t - w)), p) + curr;
    }

    @Override
    Result acquire(long now, long k) {
      long w = window(now);
      long prev = counts.getOrDefault(w - p, 0L);
      long curr = counts.getOrDefault(w, 0L);
      long est = estimate(now);
      if (k > c) {
        return Result.denied(Math.max(0, c - est), reset(w, prev, curr, now), NEVER);
      }
      if (est + k <= c || k == 0) {
        if (k > 0) {
          counts.put(w, curr + k);
          latest = w;
        }
        return Result.allowed(Math.max(0, c - est - k), reset(w, prev, curr + k, now));
      }
      // The estimate only falls as time passes, and is 0 two windows on.
      long retry = firstTime(now, w + 2 * p, t -> estimate(t) + k <= c);
      return Result.denied(Math.max(0, c - est), reset(w, prev, curr, now), retry - now);
    }

    long reset(long w, long prev, long curr, long now) {
      return curr > 0 ? w + 2 * p - now : prev > 0 ? w + p - now : 0;
    }

    @Override
    Result refund(long now, long k) {
      if (latest != Long.MIN_VALUE && latest >= Math.floorDiv(now, p) * p) {
        counts.put(latest, Math.max(0, counts.get(latest) - k));
      }
      return acquire(now, 0);
    }

    @Override
    void reset() {
      counts.clear();
      latest = Long.MIN_VALUE;
    }
  }
}
