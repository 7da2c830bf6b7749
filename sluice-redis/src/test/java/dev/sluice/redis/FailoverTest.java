package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisSentinel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Given a Cluster master or a Sentinel-watched master killed mid-traffic: decisions are degraded
 * (here FAIL_CLOSED, so nothing is over-admitted) until the replica is promoted, then come from
 * Redis again with the replicated state intact.
 */
class FailoverTest {

  private static final Limit LIMIT = Limit.perHour(100);

  @Test
  void clusterMasterFailover() {
    try (RedisCluster cluster = RedisCluster.start();
        RedisBackend redis = RedisBackend.builder(cluster.uri())
            .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofMillis(200)).build()) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(LIMIT));
      String key = "user:7";
      for (int i = 0; i < 5; i++) {
        assertThat(limiter.tryAcquire(key).allowed()).isTrue();
      }
      RedisNode master = cluster.masterOf(cluster.slotOf("{" + key + "}"));
      master.call("WAIT", "1", "2000"); // the replica holds the 5 admissions
      master.kill();

      Decision after = untilFromRedis(limiter, key);
      assertThat(after.allowed()).isTrue();
      assertThat(after.remaining()).isEqualTo(100 - 5 - 1);

      master.restart(); // rejoins as a replica of the promoted node
      cluster.awaitHealthy();
      assertThat(limiter.tryAcquire(key).remaining()).isEqualTo(100 - 5 - 2);
    }
  }

  @Test
  void sentinelFailover() {
    try (RedisSentinel group = RedisSentinel.start();
        RedisBackend redis = RedisBackend.builder(group.uri())
            .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofMillis(200)).build()) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(LIMIT));
      for (int i = 0; i < 5; i++) {
        assertThat(limiter.tryAcquire("user:8").allowed()).isTrue();
      }
      RedisNode master = group.master();
      master.call("WAIT", "1", "2000");
      master.kill();

      Decision after = untilFromRedis(limiter, "user:8");
      assertThat(after.allowed()).isTrue();
      assertThat(after.remaining()).isEqualTo(100 - 5 - 1);
      assertThat(group.master()).isNotSameAs(master);
    }
  }

  /** Decides every 20 ms until Redis answers (at most 30 s); degraded answers admit nothing. */
  private static Decision untilFromRedis(RateLimiter limiter, String key) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Decision d = limiter.tryAcquire(key);
      if (!d.degraded()) {
        return d;
      }
      assertThat(d.allowed()).isFalse();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("Redis did not answer within 30 s of the failover");
  }
}
