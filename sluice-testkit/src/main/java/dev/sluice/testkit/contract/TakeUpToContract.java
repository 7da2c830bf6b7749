package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link KeyedLimits#acquireUpTo}: one atomic step takes {@code min(max, available)} permits,
 * where {@code available} is the largest request every limit of the key admits now, and reports
 * exactly what an {@code acquire} of that many would. When nothing is available it takes nothing,
 * writes nothing and reports the one-permit denial; {@code max == 0} is a check. Racing takes
 * never take more than the allowance. The eventually consistent mode relies on this to report
 * hits it already admitted.
 */
public abstract class TakeUpToContract extends AbstractContract {

  private Grant take(KeyedLimits limits, String key, long max) {
    Grant g = limits.acquireUpTo(key, max);
    assertThat(g.decision().degraded()).as("degraded flag of %s", g).isFalse();
    assertThat(g.taken()).as("taken of %s, asked up to %d", g, max).isBetween(0L, max);
    return g;
  }

  @Test
  void takesWhatFitsAtMostTheMostAskedFor() {
    KeyedLimits limits = keyedLimits(Limit.perSecond(5)); // T = 200 ms
    String key = newKey();
    at(0);
    Grant g = take(limits, key, 3);
    assertThat(g.taken()).isEqualTo(3);
    assertAllowed(g.decision(), 2, 600_000);
    g = take(limits, key, 5);
    assertThat(g.taken()).as("only two were left").isEqualTo(2);
    assertAllowed(g.decision(), 0, SECOND);
    g = take(limits, key, 5);
    assertThat(g.taken()).isZero();
    assertDenied(g.decision(), 0, SECOND, 200_000); // the retry of one permit
    g = take(limits, key, 0);
    assertThat(g.taken()).as("a check of an exhausted key").isZero();
    assertDenied(g.decision(), 0, SECOND, 200_000);
    at(200_000);
    g = take(limits, key, 0);
    assertThat(g.taken()).isZero();
    assertAllowed(g.decision(), 1, 800_000); // a check with room: nothing taken
    g = take(limits, key, Long.MAX_VALUE);
    assertThat(g.taken()).isEqualTo(1);
    assertAllowed(g.decision(), 0, SECOND);
  }

  @Test
  void aFreshKeyGivesAtMostItsCapacity() {
    KeyedLimits limits = keyedLimits(Limit.builder("10/minute").burst(4).build());
    at(0);
    Grant g = take(limits, newKey(), 1_000);
    assertThat(g.taken()).isEqualTo(4);
    assertAllowed(g.decision(), 0, 24 * SECOND);
  }

  @Test
  void everyLimitGivesTheSameAmountTheSmallestAvailable() {
    Limit perSecond = Limit.perSecond(10).named("per-second");
    Limit perMinute =
        Limit.builder("4/minute").algorithm(Algorithm.FIXED_WINDOW).name("per-minute").build();
    KeyedLimits limits = keyedLimits(perSecond, perMinute);
    String key = newKey();
    at(0);
    Grant g = take(limits, key, 6);
    assertThat(g.taken()).isEqualTo(4);
    assertAllowed(g.decision(), 0, MINUTE);
    assertDecidedBy(g.decision(), perMinute);
    at(SECOND);
    g = take(limits, key, 6);
    assertThat(g.taken()).isZero();
    assertDenied(g.decision(), 0, 59 * SECOND, 59 * SECOND);
    assertDecidedBy(g.decision(), perMinute);
    assertAllowed(limits.acquire(key, 0), 0, 59 * SECOND); // the denial wrote nothing
  }

  static Stream<Arguments> algorithmPairs() {
    return Stream.of(Algorithm.values())
        .flatMap(a -> Stream.of(Algorithm.values()).map(b -> Arguments.of(a, b)));
  }

  /**
   * Two keys driven alike: one takes up to m, the other acquires what the first took (one permit
   * when nothing was available, zero for a check). Every decision is identical, and after a take
   * short of m not one more permit fits.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aTakeIsAnAcquireOfTheLargestAmountThatFits(Algorithm algorithm) {
    Limit limit = Limit.builder("5/second").algorithm(algorithm).build();
    compareWithAcquire(new SplittableRandom(algorithm.ordinal()), keyedLimits(limit));
  }

  @ParameterizedTest(name = "per-second {0}, per-minute {1}")
  @MethodSource("algorithmPairs")
  void aTakeIsAnAcquireOfTheLargestAmountThatFitsEveryLimit(Algorithm a, Algorithm b) {
    Limit perSecond = Limit.builder("4/second").algorithm(a).name("per-second").build();
    Limit perMinute = Limit.builder("9/minute").algorithm(b).name("per-minute").build();
    compareWithAcquire(new SplittableRandom(31L * a.ordinal() + b.ordinal()),
        keyedLimits(perSecond, perMinute));
  }

  private void compareWithAcquire(SplittableRandom rnd, KeyedLimits limits) {
    String taking = newKey();
    String acquiring = newKey();
    at(0);
    for (int step = 0; step < 60; step++) {
      if (rnd.nextInt(3) > 0) {
        clock.advanceMicros(rnd.nextLong(400_000));
      }
      long max = rnd.nextInt(8);
      Grant g = take(limits, taking, max);
      long k = g.taken() > 0 ? g.taken() : (max == 0 && g.decision().allowed() ? 0 : 1);
      Decision expected = limits.acquire(acquiring, k);
      assertThat(g.decision()).as("step %d at %d µs: up to %d took %d", step, now(), max,
          g.taken()).isEqualTo(expected);
      assertThat(g.decision().allowed()).as("allowed iff something fit (or a check with room)")
          .isEqualTo(g.taken() > 0 || (max == 0 && expected.allowed()));
      if (g.taken() < max) {
        assertThat(limits.acquire(taking, 1).allowed()).as("step %d: one more after taking %d",
            step, g.taken()).isFalse();
        assertThat(limits.acquire(acquiring, 1).allowed()).isFalse();
      }
    }
  }

  @Test
  void racingTakesTakeExactlyTheAllowance() throws Exception {
    KeyedLimits limits = keyedLimits(Limit.perHour(100));
    String key = newKey();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          start.await();
          long taken = 0;
          for (int i = 0; i < 20; i++) {
            taken += limits.acquireUpTo(key, 1 + rnd.nextInt(3)).taken();
          }
          return taken;
        }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> f : results) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).as("taken by 160 racing takes of 1 to 3").isEqualTo(100);
      assertThat(limits.acquire(key, 0).remaining()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
