package dev.sluice.redis;

import dev.sluice.FailurePolicy;
import org.jspecify.annotations.Nullable;

/**
 * An operation that has no decision to degrade (a {@link dev.sluice.RateLimiter#reset reset}, or
 * a {@link RedisBackend#warmUp() warm-up}) could not be applied because Redis did not answer in
 * time, answered an error, or the circuit breaker keeps calls away from it. Decisions never throw
 * this: the {@link FailurePolicy} answers them.
 */
public final class RedisUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RedisUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
