package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given a real Redis: {@code build()} loads every script on every node, leaves nothing behind and
 * counts nothing; a warm-up that cannot reach Redis fails and succeeds once Redis is there; and
 * after the server forgets its scripts (SCRIPT FLUSH, a restart) the NOSCRIPT fallback answers a
 * burst of decisions within the default 50 ms, none degraded.
 */
@ExtendWith(RealRedis.class)
class WarmUpTest {

  private static final List<String> SHAS = Script.all().stream().map(s -> s.sha).toList();

  @Test
  void buildLoadsEveryScriptAndLeavesNoKeyNorCount() {
    try (RedisStandalone server = RedisStandalone.start()) {
      server.node().commands().scriptFlush();
      try (RedisBackend redis = RedisBackend.create(server.uri())) {
        assertThat(redis.warmedUp()).isTrue();
        assertThat(SHAS).hasSize(62);
        assertThat(server.node().commands().scriptExists(SHAS.toArray(String[]::new)))
            .containsOnly(true);
        assertThat(server.node().commands().keys("*")).as("warm-up keys left").isEmpty();
        assertThat(redis.degradedDecisions()).isZero();
        assertThat(redis.failures()).isZero();
        assertThat(redis.circuitOpen()).isFalse();
      }
    }
  }

  @Test
  void buildLoadsEveryScriptOnEveryClusterNode(RedisCluster cluster) {
    for (RedisNode n : cluster.nodes()) {
      n.commands().scriptFlush();
    }
    try (RedisBackend redis = RedisBackend.builder(cluster.uri()).keyPrefix("warm:").build()) {
      assertThat(redis.warmedUp()).isTrue();
      for (RedisNode n : cluster.nodes()) {
        assertThat(n.commands().scriptExists(SHAS.toArray(String[]::new)))
            .as("scripts on " + n).containsOnly(true);
        assertThat(n.commands().keys("warm:*")).as("warm-up keys left on " + n).isEmpty();
      }
      assertThat(redis.degradedDecisions()).isZero();
    }
  }

  @Test
  void aWarmUpWithoutRedisFailsAndSucceedsOnceRedisAnswers() throws Exception {
    try (RedisStandalone server = RedisStandalone.start()) {
      server.node().kill();
      try (RedisBackend redis = RedisBackend.builder(server.uri())
          .connectTimeout(Duration.ofMillis(200)).build()) {
        assertThat(redis.warmedUp()).isFalse();
        assertThatThrownBy(() -> redis.warmUp().toCompletableFuture().join())
            .isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(RedisUnavailableException.class);
        server.node().restart();
        redis.warmUp().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(redis.warmedUp()).isTrue();
        assertThat(server.node().commands().scriptExists(SHAS.toArray(String[]::new)))
            .containsOnly(true);
        // a second call is the same, finished warm-up
        assertThat(redis.warmUp().toCompletableFuture().isDone()).isTrue();
      }
    }
  }

  @Test
  void afterAScriptFlushOrARestartNoDecisionIsDegraded() throws Exception {
    try (RedisStandalone server = RedisStandalone.start();
        RedisBackend redis = RedisBackend.builder(server.uri())
            .failurePolicy(FailurePolicy.FAIL_CLOSED).build()) { // default 50 ms timeout
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perMinute(50)));

      server.node().commands().scriptFlush();
      assertBurstExact(limiter, "after-flush");

      server.node().kill();
      server.node().restart(); // empty, no script cached
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!reconnected(redis) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(reconnected(redis)).as("Lettuce reconnected").isTrue();
      long degradedBefore = redis.degradedDecisions();
      assertBurstExact(limiter, "after-restart");
      assertThat(redis.degradedDecisions()).isEqualTo(degradedBefore);
    }
  }

  private static boolean reconnected(RedisBackend redis) {
    Connector.Connected c = redis.connector.connectedNow();
    return c != null && c.connection().isOpen();
  }

  /** 100 decisions at once on a fresh key of 50 per minute: 50 admitted, none degraded. */
  private static void assertBurstExact(RateLimiter limiter, String key) {
    List<CompletableFuture<Decision>> burst = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      burst.add(limiter.tryAcquireAsync(key, 1).toCompletableFuture());
    }
    List<Decision> decisions = burst.stream().map(CompletableFuture::join).toList();
    assertThat(decisions).as(key).noneMatch(Decision::degraded);
    assertThat(decisions.stream().filter(Decision::allowed).count()).as(key).isEqualTo(50);
  }
}
