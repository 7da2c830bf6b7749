package dev.sluice;

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
}
