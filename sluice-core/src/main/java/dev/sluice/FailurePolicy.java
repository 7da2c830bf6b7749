package dev.sluice;

/**
 * What a limiter on a shared store (Redis) answers when the store cannot: it is down,
 * unreachable, too slow for the per-call timeout, or its circuit breaker is open. Every such
 * answer is flagged {@link Decision#degraded()} with reason {@link
 * Decision.Reason#BACKEND_UNAVAILABLE}.
 */
public enum FailurePolicy {
  /** Admit every request: availability over limiting (envoy ratelimit's default). */
  FAIL_OPEN,
  /** Deny every request: no request escapes the limits while the store is away. */
  FAIL_CLOSED,
  /**
   * Decide from an in-memory limiter with the same limits, in this process only: each process
   * enforces the limits alone until the store is back (so N processes admit up to N times the
   * limit).
   */
  LOCAL_FALLBACK
}
