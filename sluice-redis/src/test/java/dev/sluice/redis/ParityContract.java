package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.testkit.redis.RealRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Given the same limits, times and permits, Redis and the in-memory backend give identical
 * decisions (allowed, reason, deciding limit, remaining, resetAfter, retryAfter), including
 * awkward rates whose emission interval is not a whole microsecond, bursts, costs above one,
 * zero-cost checks, clocks that go back, and products beyond 2^53; and takes of up to some
 * permits ({@link KeyedLimits#acquireUpTo}) give identical grants.
 */
@ExtendWith(RealRedis.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ParityContract {

  private static final long START = 1_700_000_000_000_000L;
  private static final long LATEST = 4_000_000_000_000_000L;
  private static final ManualClock CLOCK = new ManualClock(START);
  private RedisBackend redis;
  private int run;

  /** The server under test. */
  abstract String uri();

  @BeforeAll
  void start() {
    redis = RedisBackend.builder(uri()).clock(CLOCK).timeout(Duration.ofSeconds(5))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).keyPrefix("parity:").build();
  }

  @AfterAll
  void stop() {
    redis.close();
  }

  static Stream<List<Limit>> limitSets() {
    List<List<Limit>> sets = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      sets.add(List.of(Limit.ofMicros(5, 1_000_000).withAlgorithm(a)));
      sets.add(List.of(Limit.ofMicros(7, 1_000_003).withAlgorithm(a)));
      sets.add(List.of(Limit.ofMicros(3, 10).withAlgorithm(a)));
      sets.add(List.of(Limit.ofMicros(1000, 60_000_000).withAlgorithm(a)));
      if (a.hasBurst()) {
        sets.add(List.of(Limit.ofMicros(3, 999_999).withAlgorithm(a).withBurst(10)));
        sets.add(List.of(Limit.ofMicros(10, 1_000_000).withAlgorithm(a).withBurst(1)));
        sets.add(List.of(Limit.ofMicros(999_983, 1_000_000).withAlgorithm(a).withBurst(7)));
      }
    }
    sets.add(List.of(Limit.ofMicros(4, 1_000_000),
        Limit.ofMicros(10, 5_000_000).withAlgorithm(Algorithm.FIXED_WINDOW),
        Limit.ofMicros(6, 2_000_000).withAlgorithm(Algorithm.SLIDING_WINDOW_COUNTER),
        Limit.ofMicros(5, 3_000_000).withAlgorithm(Algorithm.SLIDING_WINDOW_LOG),
        Limit.ofMicros(3, 700_001).withAlgorithm(Algorithm.GCRA).withBurst(5)));
    return sets.stream();
  }

  @ParameterizedTest
  @MethodSource("limitSets")
  void randomSequencesGiveIdenticalDecisions(List<Limit> limits) {
    long period = limits.stream().mapToLong(Limit::periodMicros).max().orElseThrow();
    long capacity = limits.stream().mapToLong(Limit::capacity).max().orElseThrow();
    compare(limits, new Random(limits.hashCode()), 400, period, capacity);
  }

  @Test
  void productsBeyondTwoToThe53AreExact() {
    // count² ≤ 2^53 and a 100-year period: prev × (period − elapsed) reaches ~2^77.
    long count = 90_000_000;
    Limit huge = Limit.ofMicros(count, Limit.MAX_PERIOD.toSeconds() * 1_000_000L)
        .withAlgorithm(Algorithm.SLIDING_WINDOW_COUNTER);
    compare(List.of(huge), new Random(7), 300, huge.periodMicros(), count);
    Limit odd = Limit.ofMicros(94_906_265, 3_153_599_999_999_999L)
        .withAlgorithm(Algorithm.SLIDING_WINDOW_COUNTER);
    compare(List.of(odd), new Random(11), 300, odd.periodMicros(), odd.count());
  }

  @Test
  void largeBucketsAndLongRefillsAreExact() {
    Limit bucket = Limit.ofMicros(3, 1_000_003).withBurst(1_000_000_007L);
    compare(List.of(bucket), new Random(3), 200, 1_000_000_000_000L, 1_000_000_007L);
    Limit gcra = bucket.withAlgorithm(Algorithm.GCRA);
    compare(List.of(gcra), new Random(5), 200, 1_000_000_000_000L, 1_000_000_007L);
    Limit wide = Limit.ofMicros(94_906_263, 604_800_000_000L).withBurst(9_000_000);
    compare(List.of(wide), new Random(9), 200, 604_800_000_000L, 9_000_000);
    compare(List.of(wide.withAlgorithm(Algorithm.GCRA)), new Random(13), 200, 604_800_000_000L,
        9_000_000);
  }

  private void compare(List<Limit> limits, Random rnd, int steps, long period,
      long capacity) {
    String key = "k" + (run++);
    MemoryBackend memory = MemoryBackend.builder().clock(CLOCK).build();
    KeyedLimits mem = memory.open(limits);
    KeyedLimits red = redis.open(limits);
    for (int i = 0; i < steps; i++) {
      int dice = rnd.nextInt(100);
      long advance;
      if (dice < 40) {
        advance = 0;
      } else if (dice < 75) {
        advance = nextLong(rnd, Math.max(1, period / 10));
      } else if (dice < 92) {
        advance = nextLong(rnd, period * 2);
      } else if (dice < 97) {
        advance = 1;
      } else {
        advance = -nextLong(rnd, Math.max(1, period / 5)); // a clock that goes back
      }
      if (CLOCK.nowMicros() + advance > LATEST) {
        // Stay in realistic times (below 2^53 µs, year 2255): start over on a fresh key.
        CLOCK.setMicros(START);
        key = key + "'";
      } else {
        CLOCK.advanceMicros(advance);
      }
      long permits;
      int p = rnd.nextInt(100);
      if (p < 10) {
        permits = 0;
      } else if (p < 70) {
        permits = 1;
      } else if (p < 97) {
        permits = 1 + nextLong(rnd, Math.max(1, capacity / 2));
      } else {
        permits = capacity + 1 + nextLong(rnd, 3);
      }
      if (rnd.nextInt(100) < 25) { // a take of up to that many (as the eventual mode's syncs)
        Grant expected = mem.acquireUpTo(key, permits);
        Grant actual = red.acquireUpTo(key, permits);
        assertThat(actual).as("step %d at %d µs, up to %d permits, limits %s", i,
            CLOCK.nowMicros(), permits, limits).isEqualTo(expected);
        continue;
      }
      Decision expected = mem.acquire(key, permits);
      Decision actual = red.acquire(key, permits);
      assertThat(actual).as("step %d at %d µs, %d permits, limits %s", i, CLOCK.nowMicros(),
          permits, limits).isEqualTo(expected);
    }
    memory.close();
  }

  private static long nextLong(Random rnd, long bound) {
    return bound <= 1 ? 0 : Math.floorMod(rnd.nextLong(), bound);
  }
}
