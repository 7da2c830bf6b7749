package dev.sluice.internal;

import dev.sluice.DecidingLimit;

/**
 * What one limit says about one request: the decision's numbers and the state the limit would
 * hold if the request is committed. Mutable scratch space, filled by {@link
 * Transition#evaluate}; one per limit per call, never shared between threads.
 */
public final class Outcome implements DecidingLimit.Candidate {
  /** Whether this limit admits the request. */
  public boolean allowed;
  /** Permits left after the request (taken if allowed, untouched if denied). */
  public long remaining;
  /** Microseconds until the state equals "no state": the limit's reset time and the state TTL. */
  public long resetAfter;
  /** Microseconds until the same request would be admitted; 0 if allowed, MAX_VALUE if never. */
  public long retryAfter;
  /**
   * Microseconds until the permits of an admission are due: positive only for a reservation into
   * debt ({@link Transition#evaluate(long[], int, long, long, long, Outcome)}), 0 otherwise.
   */
  public long wait;
  /** Proposed fixed-size state words, written by {@link Transition#commit}. */
  long s0;
  long s1;
  long s2;

  @Override
  public boolean allowed() {
    return allowed;
  }

  @Override
  public long remaining() {
    return remaining;
  }

  @Override
  public long resetAfterMicros() {
    return resetAfter;
  }

  @Override
  public long retryAfterMicros() {
    return retryAfter;
  }

  void allow(long remaining, long resetAfter) {
    this.allowed = true;
    this.remaining = remaining;
    this.resetAfter = resetAfter;
    this.retryAfter = 0;
    this.wait = 0;
  }

  /** An admission into debt: nothing left now, the permits due after {@code wait} µs. */
  void reserve(long resetAfter, long wait) {
    this.allowed = true;
    this.remaining = 0;
    this.resetAfter = resetAfter;
    this.retryAfter = 0;
    this.wait = wait;
  }

  void deny(long remaining, long resetAfter, long retryAfter) {
    this.allowed = false;
    this.remaining = remaining;
    this.resetAfter = resetAfter;
    this.retryAfter = retryAfter;
    this.wait = 0;
  }

  void propose(long s0, long s1, long s2) {
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
  }
}
