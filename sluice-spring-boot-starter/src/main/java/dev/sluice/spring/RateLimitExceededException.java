package dev.sluice.spring;

import dev.sluice.Decision;
import java.time.Duration;

/**
 * A call to a {@code @RateLimited} method of a Spring bean (not a web handler) was refused: its
 * limiter had no room, or not within the annotation's {@code maxWait}. Thrown by the call, or, for
 * a method returning a {@code CompletionStage}/{@code CompletableFuture} or a Reactor {@code
 * Mono}/{@code Flux}, the error the result completes with. Carries the {@link Decision} ({@link
 * Decision#retryAfter()}, the deciding limit) and the limiter's name, the method's id ({@code
 * com.example.Payments#charge}, or the class name for a class-wide annotation).
 */
public final class RateLimitExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Decision decision;
  private final String limiter;

  public RateLimitExceededException(String limiter, Decision decision) {
    super("Rate limit " + decision.limitName() + " of " + limiter + " exceeded"
        + (decision.retryAfterMicros() == Long.MAX_VALUE ? "; the call can never be admitted"
        : "; retry after " + Math.max(1, (decision.retryAfterMicros() + 999) / 1000) + " ms"));
    this.limiter = limiter;
    this.decision = decision;
  }

  /** The refusal: the deciding limit, what remains, when to retry. */
  public Decision decision() {
    return decision;
  }

  /** The name of the limiter that refused: the method's id. */
  public String limiter() {
    return limiter;
  }

  /** How long to wait before the call can be admitted ({@link Decision#retryAfter()}). */
  public Duration retryAfter() {
    return decision.retryAfter();
  }
}
