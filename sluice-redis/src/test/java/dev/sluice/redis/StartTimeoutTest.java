package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given a real Redis kept busy for 400 ms by a script of the test's own (a healthy but slow
 * answer, as a new JVM on a busy host sees its first replies): during the start period a decision
 * waits up to the start timeout and is Redis's own, exact; with no start period the same decision
 * times out after the 50 ms timeout and the failure policy answers it.
 */
@ExtendWith(RealRedis.class)
class StartTimeoutTest {

  /** Keeps Redis busy for about 400 ms (Redis runs one script at a time). */
  private static final String BUSY = "local t = redis.call('TIME')"
      + " local start = t[1] * 1000000 + t[2]"
      + " repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - start > 400000"
      + " return 1";

  private static RedisStandalone server;

  @BeforeAll
  static void start(RedisStandalone s) {
    server = s;
  }

  @BeforeEach
  void flush() {
    server.flushAll();
  }

  private static RedisBackend backend(Duration startPeriod) {
    return RedisBackend.builder(server.uri()).failurePolicy(FailurePolicy.FAIL_OPEN)
        .timeout(Duration.ofMillis(50)).startTimeout(Duration.ofSeconds(5))
        .startPeriod(startPeriod).build();
  }

  @Test
  void duringTheStartPeriodASlowRedisStillDecides() throws Exception {
    try (RedisBackend redis = backend(Duration.ofMinutes(1))) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(1)));
      Decision first = whileRedisIsBusy(() -> limiter.tryAcquire("u"));
      Decision second = whileRedisIsBusy(() -> limiter.tryAcquire("u"));

      assertThat(first.degraded()).isFalse();
      assertThat(first.allowed()).isTrue();
      assertThat(second.degraded()).isFalse();
      assertThat(second.allowed()).as("Redis's own answer: the hour's permit is taken").isFalse();
      assertThat(redis.degradedDecisions()).isZero();
    }
  }

  @Test
  void afterTheStartPeriodTheTimeoutApplies() throws Exception {
    try (RedisBackend redis = backend(Duration.ZERO)) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(1)));
      assertThat(limiter.tryAcquire("u").allowed()).isTrue();

      Decision slow = whileRedisIsBusy(() -> limiter.tryAcquire("u"));

      assertThat(slow.degraded()).isTrue();
      assertThat(slow.reason()).isEqualTo(Decision.Reason.BACKEND_UNAVAILABLE);
      assertThat(slow.allowed()).as("fail-open admits what Redis would refuse").isTrue();
    }
  }

  @Test
  void startSettingsAreValidated() {
    RedisBackend.Builder b = RedisBackend.builder("redis://127.0.0.1:6379");
    assertThatThrownBy(() -> b.startTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startTimeout must be in [0, 10 minutes], was PT-0.001S");
    assertThatThrownBy(() -> b.startPeriod(Duration.ofDays(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startPeriod must be in [0, 1 day], was PT48H");
  }

  /** {@code decision}, made while a script of the test keeps Redis busy. */
  private static Decision whileRedisIsBusy(Supplier<Decision> decision) throws Exception {
    CompletableFuture<Object> busy = CompletableFuture.supplyAsync(
        () -> server.node().call("EVAL", BUSY, "0"));
    Thread.sleep(100); // the script is running: the decision's script queues behind it
    Decision d = decision.get();
    assertThat(busy.get()).isEqualTo(1L);
    return d;
  }
}
