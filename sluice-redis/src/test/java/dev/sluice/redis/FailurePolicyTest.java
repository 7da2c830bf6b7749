package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Given a real redis-server that is killed (SIGKILL) and restarted: each policy answers as
 * declared within its timeout, the circuit breaker stops paying timeouts, and decisions come from
 * Redis again soon after it is back.
 */
class FailurePolicyTest {

  private static final Duration TIMEOUT = Duration.ofMillis(100);
  private static RedisStandalone server;

  @BeforeAll
  static void start() {
    server = RedisStandalone.start(); // our own: these tests kill it
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void running() {
    if (!server.node().isRunning()) {
      server.node().restart();
    }
    server.flushAll();
  }

  private static RedisBackend backend(FailurePolicy policy) {
    return RedisBackend.builder(server.uri()).failurePolicy(policy).timeout(TIMEOUT)
        .circuitBreaker(3, Duration.ofMillis(100)).build();
  }

  @Test
  void failOpenAdmitsWhileRedisIsDownAndRecovers() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.FAIL_OPEN)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(1)));
      assertThat(limiter.tryAcquire("u").allowed()).isTrue();
      assertThat(limiter.tryAcquire("u").allowed()).isFalse();

      server.node().kill();
      for (int i = 0; i < 20; i++) {
        Decision d = timed(() -> limiter.tryAcquire("u"));
        assertThat(d.allowed()).isTrue();
        assertThat(d.degraded()).isTrue();
        assertThat(d.reason()).isEqualTo(Decision.Reason.BACKEND_UNAVAILABLE);
      }
      assertThat(redis.degradedDecisions()).isEqualTo(20);
      assertThat(redis.circuitOpen()).isTrue();

      server.node().restart(); // empty: no persistence
      long back = awaitRecovery(limiter, "v");
      assertThat(back).as("ms to recover").isLessThan(1_000);
      assertThat(redis.circuitOpen()).isFalse();
    }
  }

  @Test
  void failClosedDeniesWhileRedisIsDown() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.FAIL_CLOSED)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(100)));
      assertThat(limiter.tryAcquire("u").allowed()).isTrue();
      server.node().kill();
      for (int i = 0; i < 10; i++) {
        Decision d = timed(() -> limiter.tryAcquire("u"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.degraded()).isTrue();
        assertThat(d.reason()).isEqualTo(Decision.Reason.BACKEND_UNAVAILABLE);
      }
      server.node().restart();
      assertThat(awaitRecovery(limiter, "u")).isLessThan(1_000);
    }
  }

  @Test
  void localFallbackEnforcesTheSameLimitsInProcess() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.LOCAL_FALLBACK)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(3)));
      server.node().kill();
      for (int i = 0; i < 3; i++) {
        Decision d = timed(() -> limiter.tryAcquire("u"));
        assertThat(d.allowed()).isTrue();
        assertThat(d.degraded()).isTrue();
        assertThat(d.remaining()).isEqualTo(2 - i);
      }
      Decision denied = timed(() -> limiter.tryAcquire("u"));
      assertThat(denied.allowed()).isFalse();
      assertThat(denied.degraded()).isTrue();
      assertThat(denied.reason()).isEqualTo(Decision.Reason.BACKEND_UNAVAILABLE);
      assertThat(redis.degradedDecisions()).isEqualTo(4);
      server.node().restart();
      assertThat(awaitRecovery(limiter, "w")).isLessThan(1_000);
    }
  }

  @Test
  void manyThreadsDuringAnOutageNeitherPileUpNorWait() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.FAIL_OPEN)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perSecond(1000)));
      limiter.tryAcquire("warm");
      server.node().kill();
      int before = Thread.activeCount();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      long start = System.nanoTime();
      List<Future<?>> all = new java.util.ArrayList<>();
      for (int t = 0; t < 16; t++) {
        all.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            assertThat(limiter.tryAcquire("k" + (i % 10)).degraded()).isTrue();
          }
        }));
      }
      for (Future<?> f : all) {
        f.get(30, TimeUnit.SECONDS);
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      pool.shutdown();
      // 3,200 decisions: with the breaker open almost none waits for the timeout.
      assertThat(millis).isLessThan(3_000);
      assertThat(redis.degradedDecisions()).isEqualTo(3_200);
      assertThat(redis.failures()).isLessThan(500);
      assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 17);
    }
  }

  @Test
  void unreachableAtStartFollowsThePolicyThenConnects() throws Exception {
    RedisNode node = server.node();
    node.kill();
    long start = System.nanoTime();
    try (RedisBackend redis = backend(FailurePolicy.FAIL_CLOSED)) {
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(5)));
      Decision d = limiter.tryAcquire("u");
      assertThat(d.allowed()).isFalse();
      assertThat(d.degraded()).isTrue();
      node.restart();
      assertThat(awaitRecovery(limiter, "u")).isLessThan(1_500);
    }
  }

  /** Runs a decision and checks that it came within the timeout (plus scheduling slack). */
  private static Decision timed(Supplier<Decision> call) {
    long start = System.nanoTime();
    Decision d = call.get();
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(ms).as("decision time in ms").isLessThan(TIMEOUT.toMillis() + 400);
    return d;
  }

  /** Milliseconds until a decision comes from Redis again (polling every 10 ms). */
  private static long awaitRecovery(RateLimiter limiter, String key) throws InterruptedException {
    long start = System.nanoTime();
    while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 10_000) {
      if (!limiter.tryAcquire(key, 0).degraded()) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      }
      Thread.sleep(10);
    }
    return Long.MAX_VALUE;
  }
}
