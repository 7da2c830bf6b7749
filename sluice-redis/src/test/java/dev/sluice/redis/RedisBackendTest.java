package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Given a real standalone Redis: server time, TTLs, script reloads, atomicity, concurrency. */
@ExtendWith(RealRedis.class)
class RedisBackendTest {

  private static RedisStandalone server;
  private static RedisBackend serverTime;
  private static RedisBackend manual;
  private static final ManualClock CLOCK = new ManualClock(1_700_000_000_000_000L);

  @BeforeAll
  static void start(RedisStandalone s) {
    server = s;
    serverTime = RedisBackend.builder(s.uri()).keyPrefix("t1:").timeout(Duration.ofSeconds(5))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
    manual = RedisBackend.builder(s.uri()).keyPrefix("t2:").clock(CLOCK)
        .clockSkewAllowance(Duration.ofSeconds(5)).timeout(Duration.ofSeconds(5))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
  }

  @AfterAll
  static void stop() {
    serverTime.close();
    manual.close();
  }

  @BeforeEach
  void flush() {
    server.flushAll();
  }

  @Test
  void serverTimeAdmitsTheCountThenDeniesWithTheWait() {
    RateLimiter limiter = RateLimiter.create(serverTime, List.of(Limit.perHour(3)));
    for (int i = 2; i >= 0; i--) {
      Decision d = limiter.tryAcquire("user");
      assertThat(d.allowed()).isTrue();
      assertThat(d.remaining()).isEqualTo(i);
    }
    Decision denied = limiter.tryAcquire("user");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.degraded()).isFalse();
    assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
    // One token per 20 minutes; a few ms may have passed since the first admission.
    assertThat(denied.retryAfter()).isBetween(Duration.ofMinutes(19), Duration.ofMinutes(20));
    assertThat(denied.resetAfter()).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
  }

  @Test
  void everyWrittenKeyExpiresWhenItsStateWouldBeEmpty() {
    RateLimiter limiter = RateLimiter.create(serverTime, List.of(Limit.perMinute(10),
        Limit.builder("100/hour").algorithm(Algorithm.FIXED_WINDOW).build()));
    Decision d = limiter.tryAcquire("ttl", 4);
    assertThat(d.allowed()).isTrue();
    List<?> keys = (List<?>) server.node().call("KEYS", "t1:*");
    assertThat(keys).hasSize(2);
    for (Object key : keys) {
      long pttl = (Long) server.node().call("PTTL", key.toString());
      assertThat(pttl).as(key.toString()).isPositive()
          .isLessThanOrEqualTo(Duration.ofHours(1).toMillis());
    }
    // A token bucket missing 4 of 10 tokens refills in 4 × 6 s.
    long bucketTtl = (Long) server.node().call("PTTL", "t1:{ttl}:tb:10:60000000:10:10/minute");
    assertThat(bucketTtl).isBetween(23_000L, 24_000L);
  }

  @Test
  void checksAndDenialsWriteNothing() {
    RateLimiter limiter = RateLimiter.create(serverTime, List.of(Limit.perMinute(1)));
    assertThat(limiter.tryAcquire("k", 0).allowed()).isTrue();
    assertThat(limiter.tryAcquire("k", 2).allowed()).isFalse();
    assertThat((Long) server.node().call("DBSIZE")).isZero();
  }

  @Test
  void aFlushedScriptCacheIsReloaded() {
    RateLimiter limiter = RateLimiter.create(serverTime, List.of(Limit.perMinute(5)));
    assertThat(limiter.tryAcquire("s").remaining()).isEqualTo(4);
    server.node().call("SCRIPT", "FLUSH");
    Decision d = limiter.tryAcquire("s");
    assertThat(d.degraded()).isFalse();
    assertThat(d.remaining()).isEqualTo(3);
  }

  @Test
  void severalLimitsAreAllOrNothing() {
    Limit bucket = Limit.perMinute(2);
    Limit window = Limit.builder("5/minute").algorithm(Algorithm.FIXED_WINDOW).build();
    RateLimiter both = RateLimiter.create(manual, List.of(bucket, window));
    RateLimiter windowOnly = RateLimiter.create(manual, List.of(window));
    assertThat(both.tryAcquire("a").allowed()).isTrue();
    assertThat(both.tryAcquire("a").allowed()).isTrue();
    Decision denied = both.tryAcquire("a");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.limit()).isEqualTo(bucket);
    // The window limit kept its 3 permits: the denied request took nothing from it.
    assertThat(windowOnly.tryAcquire("a", 0).remaining()).isEqualTo(3);
  }

  @Test
  void limitersWithEqualLimitsShareStateAcrossBackendInstances() {
    try (RedisBackend other = RedisBackend.builder(server.uri()).keyPrefix("t2:").clock(CLOCK)
        .timeout(Duration.ofSeconds(5)).build()) {
      RateLimiter a = RateLimiter.create(manual, List.of(Limit.perMinute(3)));
      RateLimiter b = RateLimiter.create(other, List.of(Limit.perMinute(3)));
      a.tryAcquire("shared", 2);
      assertThat(b.tryAcquire("shared").remaining()).isZero();
      assertThat(a.tryAcquire("shared").allowed()).isFalse();
    }
  }

  @Test
  void asyncCallsArePipelinedAndExact() {
    RateLimiter limiter = RateLimiter.create(manual, List.of(Limit.perHour(100)));
    List<CompletableFuture<Decision>> calls = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      calls.add(limiter.tryAcquireAsync("async").toCompletableFuture());
    }
    long admitted = calls.stream().map(CompletableFuture::join).filter(Decision::allowed).count();
    assertThat(admitted).isEqualTo(100);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void threadsOnOneKeyAreAdmittedExactly(Algorithm algorithm) throws Exception {
    Limit limit = Limit.builder("150/hour").algorithm(algorithm).build();
    RateLimiter limiter = RateLimiter.create(manual, List.of(limit));
    int threads = 8;
    int each = 40;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      results.add(pool.submit(() -> {
        go.await();
        int admitted = 0;
        for (int i = 0; i < each; i++) {
          Decision d = limiter.tryAcquire("hot:" + algorithm);
          assertThat(d.degraded()).isFalse();
          admitted += d.allowed() ? 1 : 0;
        }
        return admitted;
      }));
    }
    go.countDown();
    int total = 0;
    for (Future<Integer> f : results) {
      total += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(total).isEqualTo(150);
  }

  @Test
  void aClosedBackendRefusesWork() {
    RedisBackend b = RedisBackend.builder(server.uri()).timeout(Duration.ofSeconds(5)).build();
    RateLimiter limiter = RateLimiter.create(b, List.of(Limit.perMinute(1)));
    b.close();
    assertThatThrownBy(() -> limiter.tryAcquire("x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> b.open(List.of(Limit.perMinute(1))))
        .isInstanceOf(IllegalStateException.class);
  }
}
