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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Given many decisions in flight at once: with coalescing, they share script calls, yet each
 * decision equals the one a sequential in-memory limiter gives in the same order.
 */
@ExtendWith(RealRedis.class)
class CoalescingTest {

  private static final List<Limit> LIMITS = List.of(Limit.builder("50/minute").burst(20).build(),
      Limit.builder("400/hour").algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build(),
      Limit.builderOfMicros(30, 7_000_003).algorithm(Algorithm.GCRA).burst(12).build());

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void concurrentDecisionsShareScriptCallsOnlyWhenCoalescing(boolean coalesce,
      RedisStandalone server) {
    RedisNode node = server.node();
    try (RedisBackend redis = RedisBackend.builder(server.uri()).keyPrefix("co" + coalesce + ":")
        .coalescing(coalesce).clock(new ManualClock(1_700_000_000_000_000L))
        .timeout(Duration.ofSeconds(10)).failurePolicy(FailurePolicy.FAIL_CLOSED).build()) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perHour(100)));
      node.call("CONFIG", "RESETSTAT");
      List<CompletableFuture<Decision>> calls = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        calls.add(limiter.tryAcquireAsync("hot").toCompletableFuture());
      }
      assertThat(calls.stream().map(CompletableFuture::join).filter(Decision::allowed).count())
          .isEqualTo(100);
      long scriptCalls = node.scriptCalls();
      if (coalesce) {
        assertThat(scriptCalls).isBetween(7L, 399L); // ≤ 64 decisions per call
      } else {
        assertThat(scriptCalls).isEqualTo(400);
      }
    }
  }

  @Test
  void batchedDecisionsEqualSequentialOnesInArrivalOrder(RedisStandalone server) {
    assertBatchedEqualsSequential(server.uri(), "seq:");
  }

  @Test
  void batchedDecisionsEqualSequentialOnesOnACluster(RedisCluster cluster) {
    assertBatchedEqualsSequential(cluster.uri(), "cseq:");
  }

  private static void assertBatchedEqualsSequential(String uri, String prefix) {
    ManualClock clock = new ManualClock(1_700_000_000_000_000L);
    Random rnd = new Random(42);
    try (RedisBackend redis = RedisBackend.builder(uri).keyPrefix(prefix).clock(clock)
            .timeout(Duration.ofSeconds(10)).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        MemoryBackend memory = MemoryBackend.builder().clock(clock).build()) {
      RateLimiter red = RateLimiter.create(redis, LIMITS);
      RateLimiter mem = RateLimiter.create(memory, LIMITS);
      for (int round = 0; round < 20; round++) {
        clock.advanceMicros(rnd.nextInt(3_000_000));
        List<String> keys = new ArrayList<>();
        List<Long> permits = new ArrayList<>();
        List<CompletableFuture<Decision>> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String key = "k" + rnd.nextInt(5); // several keys interleaved, mostly repeated
          long n = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(3);
          keys.add(key);
          permits.add(n);
          batch.add(red.tryAcquireAsync(key, n).toCompletableFuture());
        }
        for (int i = 0; i < batch.size(); i++) {
          Decision expected = mem.tryAcquire(keys.get(i), permits.get(i));
          assertThat(batch.get(i).join()).as("round %d request %d", round, i).isEqualTo(expected);
        }
      }
    }
  }
}
