package dev.sluice;

import java.util.List;

/**
 * Hears what a limiter decides, for metrics and logs ({@code sluice-micrometer} implements it).
 * Called on the deciding thread, after the decision: implementations must be fast and must not
 * throw. A limiter built without a listener skips these calls entirely.
 */
public interface LimiterListener {

  /**
   * A decision for {@code permits} by the limiter named {@code limiter} (tryAcquire, and the
   * final answer of every acquire that waited). {@link Decision#degraded()} and {@link
   * Decision#reason()} tell degraded answers apart.
   */
  default void onDecision(String limiter, long permits, Decision decision) {}

  /**
   * A caller of {@code acquire} waited {@code waitedMicros} (> 0) before its decision; {@code
   * granted} false when it gave up (interrupted, or the wait grew beyond what it accepted).
   */
  default void onWait(String limiter, long waitedMicros, boolean granted) {}

  /** {@code permits} were given back to a key by {@code refund}. */
  default void onRefund(String limiter, long permits) {}

  /** A key was forgotten by {@code reset}. */
  default void onReset(String limiter) {}

  /** One listener telling each of {@code listeners} in turn (itself when there is only one). */
  static LimiterListener all(List<LimiterListener> listeners) {
    List<LimiterListener> all = List.copyOf(listeners);
    if (all.size() == 1) {
      return all.get(0);
    }
    return new LimiterListener() {
      @Override
      public void onDecision(String limiter, long permits, Decision decision) {
        for (LimiterListener l : all) {
          l.onDecision(limiter, permits, decision);
        }
      }

      @Override
      public void onWait(String limiter, long waitedMicros, boolean granted) {
        for (LimiterListener l : all) {
          l.onWait(limiter, waitedMicros, granted);
        }
      }

      @Override
      public void onRefund(String limiter, long permits) {
        for (LimiterListener l : all) {
          l.onRefund(limiter, permits);
        }
      }

      @Override
      public void onReset(String limiter) {
        for (LimiterListener l : all) {
          l.onReset(limiter);
        }
      }
    };
  }
}
