package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Decisions are atomic per key: threads racing on one key, with the clock standing still, are
 * admitted exactly the allowance, never one more or one less, every round; the same through
 * {@link RateLimiter#tryAcquireAsync}. Racing requests of mixed cost lose no permit and count
 * none twice, and a denial under contention still consumes nothing from the other limits.
 */
public abstract class ConcurrencyContract extends AbstractContract {

  protected static final int THREADS = 8;
  private static final int ROUNDS = 5;

  /** One thread's work: some requests; returns the permits they were granted. */
  private interface Work {
    long run(int thread) throws Exception;
  }

  /** Starts {@code THREADS} threads at once on {@code work}; returns the total granted. */
  private static long race(Work work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        int thread = i;
        results.add(pool.submit(() -> {
          start.await();
          return work.run(thread);
        }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> f : results) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long granted(Decision d, long permits) {
    return d.allowed() ? permits : 0;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void threadsRacingOnOneKeyAreAdmittedExactlyTheAllowance(Algorithm algorithm) throws Exception {
    RateLimiter limiter = limiter(Limit.builder("50/hour").algorithm(algorithm).build());
    for (int round = 0; round < ROUNDS; round++) {
      String key = newKey();
      long admitted = race(thread -> {
        long n = 0;
        for (int i = 0; i < 25; i++) {
          n += granted(limiter.tryAcquire(key, 1), 1);
        }
        return n;
      });
      assertThat(admitted).as("round %d: admitted of 200 requests", round).isEqualTo(50);
      assertThat(limiter.tryAcquire(key, 0).remaining()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void asyncRequestsRacingOnOneKeyAreAdmittedExactlyTheAllowance(Algorithm algorithm)
      throws Exception {
    RateLimiter limiter = limiter(Limit.builder("50/hour").algorithm(algorithm).build());
    for (int round = 0; round < ROUNDS; round++) {
      String key = newKey();
      long admitted = race(thread -> {
        List<CompletableFuture<Decision>> pending = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          pending.add(limiter.tryAcquireAsync(key, 1).toCompletableFuture());
        }
        long n = 0;
        for (CompletableFuture<Decision> f : pending) {
          n += granted(f.get(60, TimeUnit.SECONDS), 1);
        }
        return n;
      });
      assertThat(admitted).as("round %d: admitted of 200 async requests", round).isEqualTo(50);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void racingRequestsOfMixedCostLoseNoPermitAndCountNoneTwice(Algorithm algorithm)
      throws Exception {
    RateLimiter limiter = limiter(Limit.builder("100/hour").algorithm(algorithm).build());
    for (int round = 0; round < ROUNDS; round++) {
      String key = newKey();
      long seed = round;
      long granted = race(thread -> {
        SplittableRandom random = new SplittableRandom(seed * THREADS + thread);
        long n = 0;
        for (int i = 0; i < 20; i++) {
          long permits = 1 + random.nextInt(3);
          n += granted(limiter.tryAcquire(key, permits), permits);
        }
        return n;
      });
      long remaining = limiter.tryAcquire(key, 0).remaining();
      assertThat(granted + remaining).as("round %d: granted %d + remaining %d", round, granted,
          remaining).isEqualTo(100);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void racingDenialsByOneLimitConsumeNothingFromTheOther(Algorithm algorithm) throws Exception {
    Limit perHour = Limit.builder("30/hour").algorithm(algorithm).build();
    // 50 per week: a token bucket's next token is 3.36 h away; the week's window ends at T0 + 1 d.
    Limit perWeek = Limit.builder("50/week").algorithm(algorithm).build();
    RateLimiter limiter = limiter(perHour, perWeek);
    for (int round = 0; round < ROUNDS; round++) {
      String key = newKey();
      at(0);
      long first = race(thread -> hammer(limiter, key, 10));
      assertThat(first).as("round %d, first hour: admitted of 80", round).isEqualTo(30);
      at(2 * HOUR); // per-hour has room again, for every algorithm
      long second = race(thread -> hammer(limiter, key, 10));
      assertThat(second).as("round %d, third hour: per-week's 50 - 30", round).isEqualTo(20);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void threadsRacingOverSeveralKeysGiveEachKeyExactlyItsAllowance(Algorithm algorithm)
      throws Exception {
    RateLimiter limiter = limiter(Limit.builder("20/hour").algorithm(algorithm).build());
    List<String> keys = List.of(newKey(), newKey(), newKey(), newKey());
    long[] perKey = new long[keys.size()];
    race(thread -> {
      for (int i = 0; i < 40; i++) {
        int k = (i + thread) % keys.size();
        if (limiter.tryAcquire(keys.get(k), 1).allowed()) {
          synchronized (perKey) {
            perKey[k]++;
          }
        }
      }
      return 0;
    });
    assertThat(perKey).containsOnly(20);
  }

  private static long hammer(RateLimiter limiter, String key, int requests) {
    long n = 0;
    for (int i = 0; i < requests; i++) {
      n += granted(limiter.tryAcquire(key, 1), 1);
    }
    return n;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void asyncDecisionsEqualSyncOnes(Algorithm algorithm) {
    Limit limit = Limit.builder("3/second").algorithm(algorithm).build();
    Key sync = key(limit);
    Key async = key(limit);
    long[] steps = {0, 0, 0, 0, 1, 333_333, 1, 250_000, 500_000, 0, 1_000_000};
    long[] permits = {1, 2, 1, 0, 1, 1, 1, 2, 3, 4, 1};
    at(0);
    for (int i = 0; i < steps.length; i++) {
      clock.advanceMicros(steps[i]);
      Decision expected = sync.acquire(permits[i]);
      assertThat(async.acquireAsync(permits[i])).as("step %d", i).isEqualTo(expected);
    }
  }
}
