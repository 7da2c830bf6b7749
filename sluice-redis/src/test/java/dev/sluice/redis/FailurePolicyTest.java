package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
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
        .startPeriod(Duration.ZERO) // the timeout from the first decision: that is what is timed
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
  void whileRedisIsDownAHoldHoldsNothingAndASettleFails() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.FAIL_OPEN)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(100)));
      Hold before = limiter.hold("u", 10, Duration.ofMinutes(1));
      assertThat(before.held()).isTrue();
      server.node().kill();
      Hold during = timed(() -> limiter.hold("u", 10, Duration.ofMinutes(1)));
      assertDegraded(during.decision(), true);
      assertThat(during.held()).as("a degraded hold holds nothing").isFalse();
      assertThatThrownBy(() -> limiter.settle(before, 3))
          .hasCauseInstanceOf(RedisUnavailableException.class)
          .hasMessageContaining("settle not applied: Redis");
      server.node().restart();
      assertThat(awaitRecovery(limiter, "v")).isLessThan(1_000);
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
      long before = threadsNotLettuces();
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
      // no thread per waiting decision: the pool's 16 and nothing more of ours (Lettuce's event
      // loop threads, bounded by its own pool and started as it reconnects, are not counted)
      assertThat(threadsNotLettuces()).isLessThanOrEqualTo(before + 16);
    }
  }

  private static long threadsNotLettuces() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith("lettuce-"))
        .count();
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

  @Test
  void failOpenReservesAndRefundsDegradedAndAResetFails() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.FAIL_OPEN)) {
      KeyedLimits l = redis.open(List.of(Limit.perHour(1)));
      assertThat(l.reserve("u", 1, 0).decision().degraded()).isFalse();
      server.node().kill();
      for (int i = 0; i < 6; i++) { // through the breaker's opening (3 failures)
        Reservation r = timed(() -> l.reserve("u", 1, 3_600_000_000L));
        assertThat(r.waitMicros()).isZero();
        assertDegraded(r.decision(), true);
        assertDegraded(timed(() -> l.refund("u", 1)), true);
        assertResetFails(l);
      }
      assertThat(redis.circuitOpen()).isTrue();
      assertThat(redis.degradedDecisions()).isEqualTo(12); // resets are not decisions
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(1)));
      assertDegraded(timed(() -> limiter.acquire("u", 1, Duration.ofHours(1))), true);

      server.node().restart();
      assertThat(awaitRecovery(limiter, "v")).isLessThan(1_000);
      assertThat(l.acquire("u", 1).allowed()).isTrue(); // a new, empty server
      l.reset("u");
      assertThat(l.acquire("u", 1).allowed()).isTrue();
      assertThat(l.refund("u", 1)).isEqualTo(Decision.allowed(Limit.perHour(1), 1, 0));
    }
  }

  @Test
  void failClosedDeniesReservationsAndRefundChecks() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.FAIL_CLOSED)) {
      KeyedLimits l = redis.open(List.of(Limit.perSecond(10)));
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perSecond(10)));
      server.node().kill();
      for (int i = 0; i < 6; i++) {
        Reservation r = timed(() -> l.reserve("u", 1, 1_000_000));
        assertThat(r.waitMicros()).isZero();
        assertDegraded(r.decision(), false);
        assertDegraded(timed(() -> l.refund("u", 1)), false);
        assertResetFails(l);
        // a degraded denial is final: the facade does not wait for its retryAfter
        assertDegraded(timed(() -> limiter.acquire("u", 1, Duration.ofSeconds(5))), false);
      }
      server.node().restart();
      assertThat(awaitRecovery(limiter, "u")).isLessThan(1_000);
    }
  }

  @Test
  void localFallbackReservesRefundsAndResetsInProcess() throws Exception {
    try (RedisBackend redis = backend(FailurePolicy.LOCAL_FALLBACK)) {
      Limit limit = Limit.perHour(2);
      KeyedLimits l = redis.open(List.of(limit));
      server.node().kill();
      Reservation first = timed(() -> l.reserve("u", 2, 0));
      assertDegraded(first.decision(), true);
      Reservation debt = timed(() -> l.reserve("u", 1, 3_600_000_000L));
      assertDegraded(debt.decision(), true);
      // the local bucket's wait: half an hour, less the (real) time since the first reservation
      assertThat(debt.waitMicros()).isBetween(1_800_000_000L - 5_000_000, 1_800_000_000L);
      Decision back = timed(() -> l.refund("u", 1));
      assertDegraded(back, true);
      assertThat(back.remaining()).isZero();
      assertResetFails(l); // ... after the local state forgot the key
      Decision fresh = timed(() -> l.acquire("u", 2));
      assertDegraded(fresh, true);
      server.node().restart();
    }
  }

  private static void assertDegraded(Decision d, boolean allowed) {
    assertThat(d.allowed()).isEqualTo(allowed);
    assertThat(d.degraded()).isTrue();
    if (!allowed) {
      assertThat(d.reason()).isEqualTo(Decision.Reason.BACKEND_UNAVAILABLE);
    }
  }

  /** A reset cannot be degraded: it fails, at once or within the timeout, sync and async. */
  private static void assertResetFails(KeyedLimits l) {
    long start = System.nanoTime();
    assertThatThrownBy(() -> l.reset("u")).isInstanceOf(RedisUnavailableException.class)
        .hasMessageStartingWith("reset not applied: Redis");
    assertThat(l.resetAsync("u").toCompletableFuture())
        .failsWithin(Duration.ofSeconds(2)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RedisUnavailableException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .isLessThan(2 * TIMEOUT.toMillis() + 400);
  }

  /** Runs a call and checks that it came within the timeout (plus scheduling slack). */
  private static <T> T timed(Supplier<T> call) {
    long start = System.nanoTime();
    T d = call.get();
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
