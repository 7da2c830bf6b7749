package dev.sluice.redis;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stops calling a failing Redis: after {@code threshold} consecutive failures it opens for {@code
 * openNanos}, during which calls are answered by the failure policy without any I/O; then one
 * probe call goes through (half-open) and closes it on success or reopens it on failure.
 */
final class CircuitBreaker {

  /** The breaker's state. */
  enum State {
    CLOSED, OPEN, HALF_OPEN
  }

  private final int threshold;
  private final long openNanos;
  private final AtomicReference<State> state = new AtomicReference<>(State.CLOSED);
  private final AtomicInteger failures = new AtomicInteger();
  private volatile long openUntil;

  CircuitBreaker(int threshold, long openNanos) {
    this.threshold = threshold;
    this.openNanos = openNanos;
  }

  /** Whether a call may go to Redis now (true for the single probe when half-open). */
  boolean allowCall() {
    State s = state.get();
    if (s == State.CLOSED) {
      return true;
    }
    return s == State.OPEN && System.nanoTime() - openUntil >= 0
        && state.compareAndSet(State.OPEN, State.HALF_OPEN);
  }

  void onSuccess() {
    failures.set(0);
    state.set(State.CLOSED);
  }

  /** Records a failure; returns true if this failure opened the breaker. */
  boolean onFailure() {
    State s = state.get();
    if (s == State.HALF_OPEN || (s == State.CLOSED && failures.incrementAndGet() >= threshold)) {
      openUntil = System.nanoTime() + openNanos;
      failures.set(0);
      state.set(State.OPEN);
      return true;
    }
    return false;
  }

  State state() {
    return state.get();
  }
}
