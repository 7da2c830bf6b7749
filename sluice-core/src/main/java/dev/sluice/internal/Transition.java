package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * One limit's algorithm as a pure transition over primitive state, in integer microseconds.
 *
 * <p>{@link #evaluate} reads the state and computes the decision and the proposed new state
 * without changing anything; {@link #commit} writes the proposal. A backend evaluates every limit
 * of a key, then commits all of them only if all admitted: that is how several limits stay
 * all-or-nothing. Denials and zero-permit checks never write state.
 *
 * <p>Waiting, refund and reset ({@link dev.sluice.spi.KeyedLimits#reserve}, {@code refund},
 * {@code reset}) use the same state: {@link #evaluate(long[], int, long, long, long, Outcome)}
 * may admit a bucket request into debt, to be committed by the same {@link #commit}; {@link
 * #refund} changes the state in place; a reset drops it. A backend drives a reservation as:
 *
 * <pre>{@code
 * for each limit i: t[i].evaluate(state, off[i], now, k, maxWait, out[i]);
 * if (k > 0 && Decisions.allAllowed(out)) {
 *   for each limit i: state = t[i].commit(state, off[i], now, k, out[i]);  // TTL = max resetAfter
 *   return new Reservation(Decisions.combine(t, out), Decisions.wait(out));
 * }
 * if (!allAllowed) re-evaluate every limit with evaluate(state, off[i], now, k, out[i]); // acquire's denial
 * return Reservation.immediate(Decisions.combine(t, out));
 * }</pre>
 *
 * and a refund as: {@code t[i].refund(state, off[i], now, k)} for every limit, then a zero-permit
 * {@code evaluate} of every limit for the decision returned and the new TTL (the largest
 * resetAfter; 0 means the key holds no state and may be dropped).
 *
 * <p>The arithmetic is exact integers below 2^53 (guaranteed by {@link Limit}'s bounds, and for
 * debt by {@link #maxWaitMicros()}), so a Lua port running on doubles can agree bit for bit. See
 * {@code docs/algorithms.md}.
 */
public abstract class Transition {

  final Limit limit;
  /** count. */
  final long c;
  /** period, µs. */
  final long p;

  Transition(Limit limit) {
    this.limit = limit;
    this.c = limit.count();
    this.p = limit.periodMicros();
  }

  /** The transition for {@code limit}'s algorithm. */
  public static Transition of(Limit limit) {
    return switch (limit.algorithm()) {
      case TOKEN_BUCKET -> new TokenBucket(limit);
      case GCRA -> new Gcra(limit);
      case FIXED_WINDOW -> new FixedWindow(limit);
      case SLIDING_WINDOW_LOG -> new SlidingWindowLog(limit);
      case SLIDING_WINDOW_COUNTER -> new SlidingWindowCounter(limit);
    };
  }

  public final Limit limit() {
    return limit;
  }

  /**
   * Longs of state this algorithm keeps at its offset of a shared array, or -1 when its state is
   * variable-sized and lives in an array of its own (the sliding window log).
   */
  public abstract int width();

  /**
   * Computes the decision for {@code permits} at {@code now} from the state at {@code
   * state[offset...]} (null array: the key has no state) into {@code out}, with the state to
   * commit. Changes nothing.
   */
  public abstract void evaluate(long @Nullable [] state, int offset, long now, long permits,
      Outcome out);

  /** {@link #evaluate(long[], int, long, long, Outcome)} for state at offset 0. */
  public final void evaluate(long @Nullable [] state, long now, long permits, Outcome out) {
    evaluate(state, 0, now, permits, out);
  }

  /**
   * {@link #evaluate(long[], int, long, long, Outcome)} for a caller willing to wait up to {@code
   * maxWaitMicros} (>= 0) for its permits. TOKEN_BUCKET and GCRA admit a request that does not fit
   * now into debt when {@code ceil(wait) <= min(maxWaitMicros, maxWaitMicros())}, where {@code wait
   * = debt + k×T - b×T}: the outcome is allowed with remaining 0, {@link Outcome#wait} = {@code
   * ceil(wait)} and the resetAfter of the state after taking the permits, which {@link #commit}
   * writes. Otherwise, and always for the window algorithms (they cannot hold capacity of a window
   * that has not started), exactly {@link #evaluate(long[], int, long, long, Outcome)} with wait 0.
   * With {@code maxWaitMicros == 0} it is exactly that method. Changes nothing.
   */
  public void evaluate(long @Nullable [] state, int offset, long now, long permits,
      long maxWaitMicros, Outcome out) {
    evaluate(state, offset, now, permits, out);
  }

  /**
   * The longest wait {@link #evaluate(long[], int, long, long, long, Outcome)} grants, whatever
   * the caller accepts: for TOKEN_BUCKET and GCRA {@code min(2^52 - ceil(b×T), floor((floor(2^53 /
   * c) - b) × T))} ({@code c = count / gcd(period, count)}), which keeps every value of the debt
   * an exact integer below 2^53; 0 for the window algorithms, which never wait.
   */
  public long maxWaitMicros() {
    return 0;
  }

  /**
   * Gives {@code permits} (>= 0) back to the state at {@code state[offset...]}, in place (null:
   * the key has no state, nothing to do). Per algorithm: TOKEN_BUCKET and GCRA move the
   * theoretical arrival time back by {@code permits × T}, at most to now; FIXED_WINDOW and
   * SLIDING_WINDOW_COUNTER subtract from the count of the window holding now (or a later one a
   * clock that went back left), at least to 0, and leave a window that is over alone;
   * SLIDING_WINDOW_LOG takes the permits off its newest entries still in the window. Never
   * creates state and never grows the array.
   *
   * @return whether the state still differs from "no state" at {@code now} (its resetAfter is
   *     positive); false when the key may be dropped as far as this limit is concerned
   */
  public abstract boolean refund(long @Nullable [] state, int offset, long now, long permits);

  /**
   * Writes the state proposed by the last {@link #evaluate} of {@code out} (which must have
   * admitted a positive number of permits) at {@code state[offset...]}. Returns the array to
   * keep: {@code state} itself unless it had to be created or grown.
   */
  public long[] commit(long @Nullable [] state, int offset, long now, long permits, Outcome out) {
    long[] s = state != null ? state : new long[offset + width()];
    s[offset] = out.s0;
    s[offset + 1] = out.s1;
    if (width() > 2) {
      s[offset + 2] = out.s2;
    }
    return s;
  }

  /**
   * Takes {@code permits} (> 0) past the limit at {@code now} (usage counted after the fact,
   * {@link dev.sluice.spi.KeyedLimits#record}): the state after holds them whether or not the
   * limit had room, within the bound that keeps the arithmetic exact. TOKEN_BUCKET and GCRA go
   * into debt, at most until the permits in debt are due {@link #maxWaitMicros()} from now (the
   * permits beyond that are not recorded); FIXED_WINDOW and SLIDING_WINDOW_COUNTER count past the
   * limit in the current window, SLIDING_WINDOW_LOG logs the permits at now, each window holding at
   * most {@link #pastCap()} (the permits beyond are not recorded). Whether the limit had room is
   * {@link #evaluate}'s answer before; the decision after is a check of the returned state.
   * Returns the array to keep: {@code state} itself unless it had to be created (null) or grown.
   */
  public abstract long[] past(long @Nullable [] state, int offset, long now, long permits);

  /**
   * The most a window algorithm counts in one window by {@link #past}: twice the count (at most
   * 2^53 - 1). Beyond it a fixed window refuses until it ends all the same; a sliding window
   * counter's next window starts from at most twice its count.
   */
  public final long pastCap() {
    return pastCap(c);
  }

  /** {@link #pastCap()} for a limit of {@code count}. */
  public static long pastCap(long count) {
    return Math.min(2 * count, (1L << 53) - 1);
  }

  /** {@code used + k}, at most {@link #pastCap()} and never less than {@code used}. */
  final long addCapped(long used, long k) {
    long cap = pastCap();
    return used >= cap ? used : used + Math.min(k, cap - used);
  }

  /**
   * What the state at {@code state[offset...]} hands over at {@code now} when its key moves to
   * changed limits ({@link Carry}), or null when it counts nothing used. Changes nothing.
   */
  public abstract @Nullable Carry carry(long @Nullable [] state, int offset, long now);

  /**
   * The state this limit starts from at {@code now} for a key that held {@code carry} under a
   * predecessor limit: at offset 0 (a log for the sliding window log), or null for "no state" (a
   * predecessor of another algorithm: a fresh start). By default the used permits are taken as
   * {@link #past} takes them from no state; the sliding window counter and log override it.
   */
  public long @Nullable [] adopt(Carry carry, long now) {
    return carry.takenBy(limit) ? past(null, 0, now, carry.used) : null;
  }

  /** {@link #commit(long[], int, long, long, Outcome)} for state at offset 0. */
  public final long[] commit(long @Nullable [] state, long now, long permits, Outcome out) {
    return commit(state, 0, now, permits, out);
  }

  /** Start of the epoch-aligned window of length {@code p} holding {@code now}. */
  final long windowStart(long now) {
    return now - Math.floorMod(now, p);
  }
}
