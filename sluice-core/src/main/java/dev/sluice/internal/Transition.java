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
   * Computes the decision for {@code permits} at {@code now} from {@code state} (null: the key
   * has no state) into {@code out}, with the state to commit. Changes nothing.
   */
  public abstract void evaluate(long @Nullable [] state, long now, long permits, Outcome out);

  /**
   * Writes the state proposed by the last {@link #evaluate} of {@code out} (which must have
   * admitted a positive number of permits). Returns the state array to keep: {@code state}
   * itself when it could be updated in place.
   */
  public long[] commit(long @Nullable [] state, long now, long permits, Outcome out) {
    long[] s = state != null ? state : new long[3];
    s[0] = out.s0;
    s[1] = out.s1;
    s[2] = out.s2;
    return s;
  }

  /** Start of the epoch-aligned window of length {@code p} holding {@code now}. */
  final long windowStart(long now) {
    return now - Math.floorMod(now, p);
  }
}
