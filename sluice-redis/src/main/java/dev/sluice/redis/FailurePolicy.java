package dev.sluice.redis;

/**
 * What a Redis limiter answers when Redis cannot (down, unreachable, too slow for the per-call
 * timeout, or the circuit breaker is open). Every such answer is flagged {@link
 * dev.sluice.Decision#degraded()} with reason {@link
 * dev.sluice.Decision.Reason#BACKEND_UNAVAILABLE} and counted in {@link
 * RedisBackend#degradedDecisions()}.
 */
public enum FailurePolicy {
  /** Admit every request: availability over limiting (envoy ratelimit's default). */
  FAIL_OPEN,
  /** Deny every request: no request escapes the limits while Redis is away. */
  FAIL_CLOSED,
  /**
   * Decide from an in-memory limiter with the same limits, in this process only: each process
   * enforces the limits alone until Redis is back (so N processes admit up to N times the limit).
   */
  LOCAL_FALLBACK
}
