package dev.sluice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The key index under contention: threads inserting the same and different keys while segments
 * grow, and while expired keys are swept, never lose a key's state, never admit a key twice what
 * its limit allows, and count keys exactly.
 */
@Timeout(120)
class MemoryBackendConcurrencyTest {

  private static final int THREADS = 4;

  /**
   * Every thread asks for every key once (in a different order), so each key's insertion races
   * with three decisions on it while the segments resize: exactly {@code count} are admitted per
   * key, and the store holds each key once.
   */
  @ParameterizedTest
  @CsvSource({"TOKEN_BUCKET, true", "GCRA, true", "FIXED_WINDOW, true",
      "SLIDING_WINDOW_COUNTER, true", "SLIDING_WINDOW_LOG, true", "TOKEN_BUCKET, false"})
  void racingInsertionsAdmitExactlyTheLimitPerKey(Algorithm algorithm, boolean packed)
      throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000L);
    MemoryBackend backend = MemoryBackend.builder().clock(clock).packedState(packed).build();
    RateLimiter limiter = RateLimiter.create(backend,
        List.of(Limit.builder("2/hour").algorithm(algorithm).build()));
    int keys = 60_000;
    AtomicLong admitted = new AtomicLong();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int offset = t * (keys / THREADS);
      threads.add(new Thread(() -> {
        await(start);
        long mine = 0;
        for (int i = 0; i < keys; i++) {
          if (limiter.tryAcquire("k" + ((i + offset) % keys)).allowed()) {
            mine++;
          }
        }
        admitted.addAndGet(mine);
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(admitted.get()).isEqualTo(2L * keys);
    assertThat(backend.size()).isEqualTo(keys);
    for (int i = 0; i < keys; i += 997) {
      assertThat(limiter.tryAcquire("k" + i).allowed()).as("k%d a third time", i).isFalse();
    }
  }

  /**
   * Keys expire while others arrive: with the clock past every state, new insertions sweep old
   * keys, and {@code cleanUp} (running concurrently) removes the rest; no live key is lost, and
   * the count of keys stays exact.
   */
  @ParameterizedTest
  @CsvSource({"TOKEN_BUCKET, true", "FIXED_WINDOW, true", "GCRA, false"})
  void sweepingWhileInsertingKeepsLiveKeysAndCountsExactly(Algorithm algorithm, boolean packed)
      throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000L);
    MemoryBackend backend = MemoryBackend.builder().clock(clock).packedState(packed)
        .maxKeys(50_000).build();
    RateLimiter limiter = RateLimiter.create(backend,
        List.of(Limit.builder("1/second").algorithm(algorithm).build()));
    for (int i = 0; i < 40_000; i++) {
      assertThat(limiter.tryAcquire("old" + i).allowed()).isTrue();
    }
    clock.advanceMicros(10_000_000); // every old key's state is now "no state"
    CyclicBarrier start = new CyclicBarrier(THREADS + 1);
    AtomicLong denied = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      threads.add(new Thread(() -> {
        await(start);
        for (int i = 0; i < 10_000; i++) {
          String key = "new" + id + "-" + i;
          if (!limiter.tryAcquire(key).allowed() || limiter.tryAcquire(key).allowed()) {
            denied.incrementAndGet();
          }
        }
      }));
    }
    Thread cleaner = new Thread(() -> {
      await(start);
      for (int i = 0; i < 20; i++) {
        backend.cleanUp();
      }
    });
    threads.forEach(Thread::start);
    cleaner.start();
    for (Thread t : threads) {
      t.join();
    }
    cleaner.join();
    assertThat(denied.get()).as("new keys not admitted exactly once").isZero();
    assertThat(backend.rejectedWhenFull()).isZero();
    backend.cleanUp();
    assertThat(backend.size()).as("only the new keys are live").isEqualTo(40_000);
    assertThat(backend.expirations()).isEqualTo(40_000);
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
