package dev.sluice.http;

import dev.sluice.Algorithm;
import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The limits of rate limited handlers (methods annotated {@code @RateLimited}, however a front end
 * finds them): one limiter per handler id, created on first use and validated then. Thread-safe.
 */
public final class HandlerLimits {

  /**
   * One rate limited handler.
   *
   * @param id what names it; its counters are its own
   * @param limiter its limits, on the front end's backend
   * @param key its key resolver, null for the front end's
   * @param cost the permits one request takes
   */
  public record Handler(String id, RateLimiter limiter, @Nullable KeyResolver key, long cost) {}

  private final BiFunction<String, List<Limit>, RateLimiter> limiters;
  private final String apiKeyHeader;
  private final Map<String, ? extends Function<String, KeyPart>> keyParts;
  private final @Nullable Function<String, KeyResolver> keyExpressions;
  private final Map<String, Handler> byId = new ConcurrentHashMap<>();

  /**
   * {@code limiters} builds a handler's limiter from its id and limits; {@code apiKeyHeader} is
   * what an {@code api-key} key part reads.
   */
  public HandlerLimits(BiFunction<String, List<Limit>, RateLimiter> limiters,
      String apiKeyHeader) {
    this(limiters, apiKeyHeader, Map.of(), null);
  }

  /**
   * As {@link #HandlerLimits(BiFunction, String)}, with a framework's own key parts ({@link
   * KeyResolver#parse(String, String, Map)}) and the compiler of key expressions (null: a handler
   * with a key expression is refused).
   */
  public HandlerLimits(BiFunction<String, List<Limit>, RateLimiter> limiters,
      String apiKeyHeader, Map<String, ? extends Function<String, KeyPart>> keyParts,
      @Nullable Function<String, KeyResolver> keyExpressions) {
    this.limiters = limiters;
    this.apiKeyHeader = apiKeyHeader;
    this.keyParts = Map.copyOf(keyParts);
    this.keyExpressions = keyExpressions;
  }

  /**
   * The handler {@code id}, created from the rest on first use (later calls return it as made).
   *
   * @param limits the limits' text, e.g. {@code 5/minute}
   * @param algorithm how they count
   * @param key a key spec ({@link KeyResolver#parse}), blank for the front end's key
   * @param keyExpression a key expression for the framework's compiler, blank for none; not
   *     together with {@code key}
   * @param cost the permits one request takes, {@code >= 0}
   * @throws IllegalArgumentException {@code "@RateLimited on <id>: <problem>"}
   */
  public Handler handler(String id, String limits, Algorithm algorithm, String key,
      String keyExpression, long cost) {
    Handler h = byId.get(id);
    if (h != null) {
      return h;
    }
    return byId.computeIfAbsent(id,
        i -> create(i, limits, algorithm, key, keyExpression, cost));
  }

  private Handler create(String id, String text, Algorithm algorithm, String key,
      String keyExpression, long cost) {
    try {
      List<Limit> limits = limits(text, algorithm);
      KeyResolver resolver = key.isBlank() ? null : KeyResolver.parse(key, apiKeyHeader, keyParts);
      if (!keyExpression.isBlank()) {
        resolver = compile(keyExpression, resolver);
      }
      if (cost < 0) {
        throw new IllegalArgumentException("cost must be >= 0, was " + cost);
      }
      return new Handler(id, limiters.apply(id, limits), resolver, cost);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("@RateLimited on " + id + ": " + e.getMessage(), e);
    }
  }

  private KeyResolver compile(String keyExpression, @Nullable KeyResolver key) {
    if (key != null) {
      throw new IllegalArgumentException("set key or keyExpression, not both");
    }
    if (keyExpressions == null) {
      throw new IllegalArgumentException("keyExpression needs Spring"
          + " (sluice-spring-boot-starter); the servlet filter takes key");
    }
    try {
      return keyExpressions.apply(keyExpression);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("keyExpression: " + e.getMessage(), e);
    }
  }

  /**
   * The limits, each built once with its algorithm. A bound only that algorithm sets is reported
   * as the algorithm's, without the rate text.
   */
  private static List<Limit> limits(String text, Algorithm algorithm) {
    try {
      return Limit.parseAll(text, algorithm);
    } catch (InvalidLimitException e) {
      if (e.field() == InvalidLimitException.Field.ALGORITHM) {
        throw new IllegalArgumentException(e.reason(), e);
      }
      throw e;
    }
  }
}
