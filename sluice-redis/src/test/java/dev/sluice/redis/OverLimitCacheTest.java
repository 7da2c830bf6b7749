package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The over-limit cache ({@link RedisBackend.Builder#overLimitCache}) on real Redis servers: a
 * denied hot key costs no script call until its retry time on the backend's clock, and the cache
 * never changes an answer (decisions equal an in-memory limiter's on the same clock, refunds and
 * resets included).
 */
@ExtendWith(RealRedis.class)
class OverLimitCacheTest {

  /** A minute boundary, plus 10 s. */
  private static final long START = 1_700_000_040_000_000L + 10_000_000L;

  private static RedisBackend backend(String uri, String prefix, ManualClock clock, long bytes) {
    return RedisBackend.builder(uri).keyPrefix(prefix).clock(clock).overLimitCache(bytes)
        .timeout(Duration.ofSeconds(10)).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
  }

  @Test
  void aDeniedHotKeyCostsRedisNothingUntilItsWindowEnds(RedisStandalone server) {
    RedisNode node = server.node();
    ManualClock clock = new ManualClock(START);
    try (RedisBackend redis = backend(server.uri(), "olc1:", clock, 1 << 20)) {
      RateLimiter limiter = RateLimiter.create(redis,
          List.of(Limit.of(2, Duration.ofMinutes(1), Algorithm.FIXED_WINDOW)));
      assertThat(limiter.tryAcquire("hot").allowed()).isTrue();
      assertThat(limiter.tryAcquire("hot").allowed()).isTrue();
      Decision first = limiter.tryAcquire("hot");
      assertThat(first.allowed()).isFalse();
      assertThat(first.retryAfterMicros()).isEqualTo(50_000_000L);
      node.call("CONFIG", "RESETSTAT");
      for (int i = 0; i < 1000; i++) {
        clock.advanceMicros(49_999);
        Decision d = limiter.tryAcquire("hot");
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfterMicros()).isEqualTo(50_000_000L - 49_999L * (i + 1));
      }
      assertThat(node.scriptCalls()).isZero();
      assertThat(redis.overLimitCacheHits()).isEqualTo(1000);
      // one microsecond before the window ends: still denied here
      clock.setMicros(START + 50_000_000L - 1);
      assertThat(limiter.tryAcquire("hot").allowed()).isFalse();
      assertThat(node.scriptCalls()).isZero();
      // at the window's end Redis is asked again, and admits
      clock.setMicros(START + 50_000_000L);
      assertThat(limiter.tryAcquire("hot").allowed()).isTrue();
      assertThat(node.scriptCalls()).isEqualTo(1);
      // another key is not affected
      assertThat(limiter.tryAcquire("cold").allowed()).isTrue();
    }
  }

  @Test
  void aRefundOrResetEndsTheDenialAndASmallerRequestAsksRedis(RedisStandalone server) {
    RedisNode node = server.node();
    ManualClock clock = new ManualClock(START);
    try (RedisBackend redis = backend(server.uri(), "olc2:", clock, 1 << 20)) {
      RateLimiter limiter = RateLimiter.create(redis,
          List.of(Limit.of(5, Duration.ofMinutes(1), Algorithm.FIXED_WINDOW)));
      assertThat(limiter.tryAcquire("k", 4).allowed()).isTrue();
      assertThat(limiter.tryAcquire("k", 3).allowed()).isFalse();
      node.call("CONFIG", "RESETSTAT");
      assertThat(limiter.tryAcquire("k", 3).allowed()).isFalse(); // from the cache
      assertThat(node.scriptCalls()).isZero();
      // other permits than the denial's: Redis decides (its wait may differ, or they may fit)
      assertThat(limiter.tryAcquire("k", 2).allowed()).isFalse();
      assertThat(node.scriptCalls()).isEqualTo(1);
      assertThat(limiter.tryAcquire("k", 1).allowed()).isTrue();
      assertThat(node.scriptCalls()).isEqualTo(2);
      assertThat(limiter.tryAcquire("k", 1).allowed()).isFalse();
      limiter.refund("k", 2);
      assertThat(limiter.tryAcquire("k", 1).allowed()).isTrue(); // the refund ended the denial
      assertThat(limiter.tryAcquire("k", 2).allowed()).isFalse();
      limiter.reset("k");
      assertThat(limiter.tryAcquire("k", 5).allowed()).isTrue(); // the reset ended it too
    }
  }

  @Test
  void offByDefaultEveryDenialIsAScriptCall(RedisStandalone server) {
    RedisNode node = server.node();
    ManualClock clock = new ManualClock(START);
    try (RedisBackend redis = backend(server.uri(), "olc3:", clock, 0)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perMinute(1)));
      limiter.tryAcquire("hot");
      node.call("CONFIG", "RESETSTAT");
      for (int i = 0; i < 20; i++) {
        assertThat(limiter.tryAcquire("hot").allowed()).isFalse();
      }
      assertThat(node.scriptCalls()).isEqualTo(20);
      assertThat(redis.overLimitCacheHits()).isZero();
    }
  }

  @Test
  void theCacheHoldsNoMoreThanItsBudget(RedisStandalone server) {
    ManualClock clock = new ManualClock(START);
    long twoKeys = 2 * (OverLimitCache.ENTRY_BYTES + 2 * "key-0".length());
    try (RedisBackend redis = backend(server.uri(), "olc4:", clock, twoKeys)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perMinute(1)));
      for (int i = 0; i < 10; i++) {
        limiter.tryAcquire("key-" + i);
        assertThat(limiter.tryAcquire("key-" + i).allowed()).isFalse();
        assertThat(redis.overLimitCache.size()).isBetween(1, 2);
      }
      // every key still denied, from the cache or from Redis
      for (int i = 0; i < 10; i++) {
        assertThat(limiter.tryAcquire("key-" + i).allowed()).isFalse();
      }
    }
  }

  /**
   * Random acquires, refunds and resets of a few keys while time moves: every answer equals an
   * in-memory limiter's on the same clock, for every algorithm, on a single server and a Cluster.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void answersEqualAnInMemoryLimitersOnAStandaloneServer(Algorithm algorithm,
      RedisStandalone server) {
    assertParity(server.uri(), "olcp-" + algorithm.ordinal() + ":", algorithm);
  }

  @Test
  void answersEqualAnInMemoryLimitersOnACluster(RedisCluster cluster) {
    assertParity(cluster.uri(), "olcc:", Algorithm.TOKEN_BUCKET);
    assertParity(cluster.uri(), "olcc2:", Algorithm.SLIDING_WINDOW_LOG);
  }

  private static void assertParity(String uri, String prefix, Algorithm algorithm) {
    ManualClock clock = new ManualClock(START);
    Random rnd = new Random(7 + algorithm.ordinal());
    Limit limit = Limit.builder(6, Duration.ofSeconds(10)).algorithm(algorithm).build();
    try (RedisBackend redis = backend(uri, prefix, clock, 1 << 20);
        MemoryBackend memory = MemoryBackend.builder().clock(clock).build()) {
      RateLimiter red = RateLimiter.create(redis, List.of(limit));
      RateLimiter mem = RateLimiter.create(memory, List.of(limit));
      for (int step = 0; step < 1500; step++) {
        clock.advanceMicros(rnd.nextInt(10) == 0 ? rnd.nextInt(4_000_000) : rnd.nextInt(200_000));
        String key = "k" + rnd.nextInt(3);
        int op = rnd.nextInt(100);
        if (op < 3) {
          red.reset(key);
          mem.reset(key);
        } else if (op < 8) {
          long n = 1 + rnd.nextInt(2);
          assertThat(red.refund(key, n).allowed()).as("refund %s at %d", key, step)
              .isEqualTo(mem.refund(key, n).allowed());
        } else {
          long n = 1 + rnd.nextInt(3);
          Decision r = red.tryAcquire(key, n);
          Decision m = mem.tryAcquire(key, n);
          assertThat(r.allowed()).as("%s acquire %d of %s at step %d", algorithm, n, key, step)
              .isEqualTo(m.allowed());
          if (!r.allowed()) {
            assertThat(r.retryAfterMicros()).isEqualTo(m.retryAfterMicros());
          }
        }
      }
      assertThat(redis.overLimitCacheHits()).isPositive();
    }
  }
}
