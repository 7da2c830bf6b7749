package dev.sluice.bench;

import dev.sluice.Algorithm;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Builds each contender for a limit, configured as its users would: Sluice keyed by itself, the
 * rivals as one instance per key in a {@link ConcurrentHashMap} (they have no keys). Every key
 * takes one permit before measuring, so all state exists and DENY keys are empty.
 */
final class Contenders {
  private Contenders() {}

  /** A Sluice limiter on the memory backend with the system clock (its defaults). */
  static RateLimiter sluice(String[] keys, Mix mix, Algorithm algorithm) {
    MemoryBackend backend =
        MemoryBackend.builder().maxKeys(Math.max(keys.length, 1_000_000)).build();
    RateLimiter limiter =
        RateLimiter.create(backend, List.of(mix.sluiceLimit(algorithm, keys.length)));
    takeOnePermitEach(keys, key -> limiter.tryAcquire(key).allowed());
    return limiter;
  }

  static ConcurrentHashMap<String, Bucket> bucket4j(String[] keys, Mix mix) {
    return perKey(keys, key -> mix.bucket4j(), bucket -> bucket.tryConsume(1));
  }

  static ConcurrentHashMap<String, io.github.resilience4j.ratelimiter.RateLimiter> resilience4j(
      String[] keys, Mix mix) {
    RateLimiterConfig config = mix.resilience4j();
    return perKey(keys, key -> io.github.resilience4j.ratelimiter.RateLimiter.of(key, config),
        io.github.resilience4j.ratelimiter.RateLimiter::acquirePermission);
  }

  static ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> guava(
      String[] keys, Mix mix) {
    double rate = mix.guavaPermitsPerSecond();
    return perKey(keys, key -> com.google.common.util.concurrent.RateLimiter.create(rate),
        com.google.common.util.concurrent.RateLimiter::tryAcquire);
  }

  private static <T> ConcurrentHashMap<String, T> perKey(
      String[] keys, Function<String, T> create, Predicate<T> acquire) {
    ConcurrentHashMap<String, T> map = new ConcurrentHashMap<>();
    for (String key : keys) {
      map.put(key, create.apply(key));
    }
    takeOnePermitEach(keys, key -> acquire.test(map.get(key)));
    return map;
  }

  private static void takeOnePermitEach(String[] keys, Predicate<String> acquire) {
    for (String key : keys) {
      if (!acquire.test(key)) {
        throw new IllegalStateException("setup: the first permit of " + key + " was denied");
      }
    }
  }
}
