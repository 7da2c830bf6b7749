package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;

/**
 * The {@code @RateLimited} limit of one method of a Spring bean: its limiter (built on first use),
 * cost, optional wait and key expression over the method's arguments.
 */
final class MethodLimit {

  private static final ParameterNameDiscoverer PARAMETER_NAMES =
      new DefaultParameterNameDiscoverer();

  private final String id;
  private final List<Limit> limits;
  private final long cost;
  private final @Nullable Duration maxWait;
  private final @Nullable Expression key;
  private final String keyText;
  private final BiFunction<String, List<Limit>, RateLimiter> limiters;
  private final KeyFailures failures;
  private volatile @Nullable RateLimiter limiter;

  MethodLimit(String id, List<Limit> limits, long cost, @Nullable Duration maxWait,
      @Nullable Expression key, String keyText,
      BiFunction<String, List<Limit>, RateLimiter> limiters, KeyFailures failures) {
    this.id = id;
    this.limits = List.copyOf(limits);
    this.cost = cost;
    this.maxWait = maxWait;
    this.key = key;
    this.keyText = keyText;
    this.limiters = limiters;
    this.failures = failures;
  }

  /** The method's id, its limiter's name. */
  String id() {
    return id;
  }

  RateLimiter limiter() {
    RateLimiter l = limiter;
    if (l == null) {
      synchronized (this) {
        l = limiter;
        if (l == null) {
          l = limiters.apply(id, limits);
          limiter = l;
        }
      }
    }
    return l;
  }

  /**
   * The counter's key for a call: {@code @<id>}, followed by the key expression's value when there
   * is one. A value that is null or blank, or an expression that fails, counts under the method's
   * shared counter ({@code @<id>}), logged.
   */
  String key(Method method, @Nullable Object[] args) {
    if (key == null) {
      return "@" + id;
    }
    Optional<String> v;
    try {
      v = RequestKeyExpression.text(key.getValue(
          new MethodBasedEvaluationContext(null, method, args, PARAMETER_NAMES)));
    } catch (RuntimeException e) {
      failures.failed("keyExpression '" + keyText + "' of " + id, e,
          "the call counts under the method's shared counter");
      return "@" + id;
    }
    if (v.isEmpty()) {
      failures.failed("keyExpression '" + keyText + "' of " + id,
          new IllegalStateException("the expression gave null or blank"),
          "the call counts under the method's shared counter");
      return "@" + id;
    }
    return "@" + id + "|" + v.get();
  }

  /** Takes the permits, waiting up to {@code maxWait} when set. */
  Decision acquire(String key) {
    return maxWait == null ? limiter().tryAcquire(key, cost)
        : limiter().acquire(key, cost, maxWait);
  }

  /** {@link #acquire} without blocking. */
  CompletionStage<Decision> acquireAsync(String key) {
    return maxWait == null ? limiter().tryAcquireAsync(key, cost)
        : limiter().acquireAsync(key, cost, maxWait);
  }

  RateLimitExceededException refused(Decision d) {
    return new RateLimitExceededException(id, d);
  }
}
