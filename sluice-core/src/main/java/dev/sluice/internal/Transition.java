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
 * <p>The arithmetic is exact integers below 2^53 (guaranteed by {@link Limit}'s bounds), so a
 * Lua port running on doubles can agree bit for bit. See {@code docs/algorithms.md}.
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

  /** {@link #commit(long[], int, long, long, Outcome)} for state at offset 0. */
  public final long[] commit(long @Nullable [] state, long now, long permits, Outcome out) {
    return commit(state, 0, now, permits, out);
  }

  /** Start of the epoch-aligned window of length {@code p} holding {@code now}. */
  final long windowStart(long now) {
    return now - Math.floorMod(now, p);
  }
}
