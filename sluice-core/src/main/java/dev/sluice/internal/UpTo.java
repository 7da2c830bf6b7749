package dev.sluice.internal;

/**
 * The arithmetic of a "take up to" ({@link dev.sluice.spi.KeyedLimits#acquireUpTo}): evaluate
 * every limit with zero permits, whose {@link Outcome#remaining} is exactly the largest request
 * that limit admits now; take the smallest of them, capped at the most asked for. When nothing is
 * available, evaluate one permit instead: that request is denied and reports the one-permit
 * retry. The Redis script ({@code decide.lua}) does the same.
 */
public final class UpTo {
  private UpTo() {}

  /** The permits to evaluate (and commit if admitted), given a zero-permit evaluation. */
  public static long permits(long max, Outcome[] checks) {
    long available = Long.MAX_VALUE;
    for (Outcome o : checks) {
      available = Math.min(available, o.remaining);
    }
    return available <= 0 ? 1 : Math.min(max, available);
  }

  /** {@link #permits(long, Outcome[])} for a key with no state. */
  public static long permitsFromNoState(Transition[] transitions, long now, long max,
      Outcome[] outs) {
    for (int i = 0; i < transitions.length; i++) {
      transitions[i].evaluate(null, 0, now, 0, outs[i]);
    }
    return permits(max, outs);
  }
}
