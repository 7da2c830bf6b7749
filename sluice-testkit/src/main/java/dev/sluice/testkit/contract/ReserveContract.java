package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualSleeper;
import dev.sluice.RateLimiter;
import dev.sluice.Sleeper;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Waiting: {@link KeyedLimits#reserve} and {@link RateLimiter#acquire(String, long, Duration)}.
 *
 * <p>TOKEN_BUCKET and GCRA reserve into debt: a request that does not fit now takes its permits
 * at once, in arrival order, and is told to wait exactly until they are due ({@code debt + k×T -
 * b×T}, rounded up), provided that is within what the caller accepts; otherwise it is refused at
 * once and takes nothing. The window algorithms cannot reserve capacity of a window that has not
 * started: a reservation is exactly an acquire (wait 0), and the limiter sleeps until the denial's
 * {@code retryAfter} and tries again, while its budget lasts. With several limits every one must
 * admit (buckets possibly in debt, windows now) and the wait is the longest. An interrupted
 * waiter takes nothing and keeps its interrupt flag.
 *
 * <p>Waits run on a {@link ManualSleeper} on the fixture's clock: a sleep moves the clock.
 */
public abstract class ReserveContract extends AbstractContract {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  static Stream<Arguments> bucketsAndWindows() {
    return Stream.of(Algorithm.TOKEN_BUCKET, Algorithm.GCRA).flatMap(b -> Stream.of(
        Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_LOG).map(w -> Arguments.of(b, w)));
  }

  private static Limit tenPerSecondBurstOne(Algorithm algorithm) {
    return Limit.builder("10/second").burst(1).algorithm(algorithm).build(); // T = 100 ms
  }

  private static Reservation reserve(KeyedLimits limits, String key, long permits, long maxWait) {
    Reservation r = limits.reserve(key, permits, maxWait);
    assertThat(r.decision().degraded()).as("degraded flag of %s", r).isFalse();
    assertThat(r.waitMicros()).as("wait of %s, accepting %d µs", r, maxWait)
        .isBetween(0L, maxWait);
    return r;
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void bucketReservationsAreServedInArrivalOrderEachOneIntervalLater(Algorithm algorithm) {
    KeyedLimits limits = keyedLimits(tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    for (int i = 0; i <= 10; i++) {
      Reservation r = reserve(limits, key, 1, SECOND);
      assertThat(r.waitMicros()).as("reservation %d", i).isEqualTo(i * 100_000L);
      assertAllowed(r.decision(), 0, (i + 1) * 100_000L); // the bucket is full again then
    }
    // The next would be due at 1.1 s: more than a second away, refused, nothing taken.
    Reservation r = reserve(limits, key, 1, SECOND);
    assertThat(r.waitMicros()).isZero();
    assertDenied(r.decision(), 0, 1_100_000, 1_100_000);
    r = reserve(limits, key, 1, 1_100_000);
    assertThat(r.waitMicros()).isEqualTo(1_100_000);
    assertAllowed(r.decision(), 0, 1_200_000);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aReservationWaitsForFractionsOfAnIntervalRoundedUp(Algorithm algorithm) {
    // T = ⅓ s
    KeyedLimits limits = keyedLimits(Limit.builder("3/second").algorithm(algorithm).build());
    String key = newKey();
    at(0);
    assertAllowed(reserve(limits, key, 3, 0).decision(), 0, SECOND);
    long[] waits = {333_334, 666_667, 1_000_000};
    long[] resets = {1_333_334, 1_666_667, 2_000_000};
    for (int i = 0; i < 3; i++) {
      Reservation r = reserve(limits, key, 1, SECOND);
      assertThat(r.waitMicros()).isEqualTo(waits[i]);
      assertAllowed(r.decision(), 0, resets[i]);
    }
    at(333_333);
    // Two more are due at 5T = 1,666,666⅔ µs (tat 8T, less the burst): 1,333,333⅔ away.
    Reservation r = reserve(limits, key, 2, 1_333_333);
    assertDenied(r.decision(), 0, 1_666_667, 1_333_334);
    r = reserve(limits, key, 2, 1_333_334);
    assertThat(r.waitMicros()).isEqualTo(1_333_334);
    assertAllowed(r.decision(), 0, 2_333_334); // 8T - 333,333
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void theLimiterSleepsUntilTheReservedPermitsAreDue(Algorithm algorithm) {
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = limiter(sleeper, tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    assertAllowed(limiter.acquire(key, 1, ONE_SECOND), 0, 100_000);
    assertThat(sleeper.waits()).as("available at once: no wait").isEmpty();

    Decision d = limiter.acquire(key, 1, ONE_SECOND); // reserved at 0, due at 100 ms
    assertAllowed(d, 0, 200_000); // as reserved: the bucket full at 200 ms
    assertThat(sleeper.waits()).containsExactly(100_000L);
    assertThat(now()).isEqualTo(100_000);

    assertAllowed(limiter.acquire(key, 1, ONE_SECOND), 0, 200_000);
    assertThat(sleeper.waits()).containsExactly(100_000L, 100_000L);
    assertThat(now()).isEqualTo(200_000);

    assertNeverFits(limiter.acquire(key, 2, Duration.ofDays(1)), 0, 100_000);
    assertThat(sleeper.waits()).as("more than the burst never waits").hasSize(2);
    // A wait accepted for ever (or for a millennium) is a wait like any other.
    assertAllowed(limiter.acquire(key, 1, ChronoUnit.FOREVER.getDuration()), 0, 200_000);
    assertAllowed(limiter.acquire(key, 1, Duration.ofDays(365_000)), 0, 200_000);
    assertThat(sleeper.waits()).containsExactly(100_000L, 100_000L, 100_000L, 100_000L);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aWaitBeyondTheMostAcceptedIsRefusedAtOnceAndTakesNothing(Algorithm algorithm) {
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = limiter(sleeper, tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    limiter.tryAcquire(key);
    // 99.999999 ms is 99,999 whole µs: 1 µs short of the wait.
    assertDenied(limiter.acquire(key, 1, Duration.ofNanos(99_999_999)), 0, 100_000, 100_000);
    assertDenied(limiter.acquireAsync(key, 1, Duration.ofNanos(99_999_999))
        .toCompletableFuture().join(), 0, 100_000, 100_000);
    assertThat(sleeper.waits()).isEmpty();
    assertThat(now()).isZero();
    // Had the refusals taken anything, this would wait 300 ms.
    assertAllowed(limiter.acquire(key, 1, Duration.ofMillis(100)), 0, 200_000);
    assertThat(sleeper.waits()).containsExactly(100_000L);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void asyncWaitersAreServedInArrivalOrderWithoutHoldingAThread(Algorithm algorithm) {
    HeldSleeper held = new HeldSleeper();
    RateLimiter limiter = limiter(held, tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    List<CompletableFuture<Decision>> waiters = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiters.add(limiter.acquireAsync(key, 1, ONE_SECOND).toCompletableFuture());
    }
    assertAllowed(waiters.get(0).join(), 0, 100_000); // available at once
    // A network backend replies on its own threads: the delays follow the replies.
    assertThat(held.delays(4)).containsExactly(100_000L, 200_000L, 300_000L, 400_000L);
    for (int i = 1; i < 5; i++) {
      assertThat(waiters.get(i)).as("waiter %d before its delay", i).isNotDone();
    }
    for (int i = 1; i < 5; i++) {
      held.pending.get(i - 1).complete(null);
      // On a network backend the waiter's last stage may still be attached on a reply thread.
      assertThat(waiters.get(i)).as("waiter %d once its delay is over", i)
          .succeedsWithin(Duration.ofSeconds(10));
      assertAllowed(waiters.get(i).join(), 0, (i + 1) * 100_000L);
    }
    assertThat(now()).as("no thread slept, the clock never moved").isZero();
  }

  @Test
  void acquireAsyncCompletesThroughTheSleepersDelay() {
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter bucket = limiter(sleeper, tenPerSecondBurstOne(Algorithm.TOKEN_BUCKET));
    String key = newKey();
    at(0);
    bucket.tryAcquire(key);
    CompletableFuture<Decision> d = bucket.acquireAsync(key, 1, ONE_SECOND).toCompletableFuture();
    assertAllowed(d.join(), 0, 200_000);
    assertThat(sleeper.waits()).containsExactly(100_000L);
    assertThat(now()).isEqualTo(100_000);

    RateLimiter window = limiter(sleeper,
        Limit.builder("1/second").algorithm(Algorithm.FIXED_WINDOW).build());
    String other = newKey();
    at(0);
    window.tryAcquire(other);
    d = window.acquireAsync(other, 1, Duration.ofSeconds(2)).toCompletableFuture();
    assertAllowed(d.join(), 0, SECOND); // retried when the next window began
    assertThat(sleeper.waits()).containsExactly(100_000L, SECOND);
    assertThat(now()).isEqualTo(SECOND);
  }

  /**
   * The window algorithms sleep until a denial's retryAfter and try again: fixed window until the
   * window ends, sliding log until the oldest entry leaves, sliding counter until the weighted
   * estimate makes room.
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class,
      names = {"FIXED_WINDOW", "SLIDING_WINDOW_LOG", "SLIDING_WINDOW_COUNTER"})
  void windowsCannotReserveAWindowThatHasNotStartedSoWaitersRetryAtRetryAfter(Algorithm a) {
    Limit limit = Limit.builder("2/second").algorithm(a).build();
    KeyedLimits limits = keyedLimits(limit);
    String key = newKey();
    at(0);
    assertThat(reserve(limits, key, 2, 0).decision().allowed()).isTrue();
    Reservation r = reserve(limits, key, 1, 10 * SECOND);
    assertThat(r.waitMicros()).isZero();
    assertThat(r.decision()).as("a reservation is an acquire").isEqualTo(limits.acquire(key, 1));
    assertThat(r.decision().allowed()).isFalse();

    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = limiter(sleeper, limit);
    String waiter = newKey();
    at(0);
    long wait;
    long remaining;
    long reset;
    switch (a) {
      case FIXED_WINDOW -> {
        limiter.tryAcquire(waiter, 2);
        at(300_000);
        wait = 700_000; // the window ends at 1 s
        remaining = 1;
        reset = SECOND;
      }
      case SLIDING_WINDOW_LOG -> {
        limiter.tryAcquire(waiter);
        at(400_000);
        limiter.tryAcquire(waiter);
        at(500_000);
        wait = 500_000; // the permit taken at 0 leaves the log at 1 s
        remaining = 0;
        reset = SECOND;
      }
      default -> {
        limiter.tryAcquire(waiter, 2);
        at(500_000);
        wait = SECOND; // at 1.5 s the previous window weighs ceil(2 × 0.5) = 1
        remaining = 0;
        reset = 1_500_000;
      }
    }
    long start = now();
    assertDenied(limiter.acquire(waiter, 1, Duration.of(wait - 1, ChronoUnit.MICROS)), 0,
        limiter.tryAcquire(waiter, 0).resetAfterMicros(), wait);
    assertThat(sleeper.waits()).as("retryAfter beyond the budget: no wait").isEmpty();
    assertAllowed(limiter.acquire(waiter, 1, Duration.of(wait, ChronoUnit.MICROS)), remaining,
        reset);
    assertThat(sleeper.waits()).containsExactly(wait);
    assertThat(now()).isEqualTo(start + wait);
  }

  @Test
  void aWaiterWhoseFreedPermitIsTakenMeanwhileWaitsAgainWhileItsBudgetLasts() {
    AtomicReference<RateLimiter> limiter = new AtomicReference<>();
    String key = newKey();
    List<Long> sleeps = Collections.synchronizedList(new ArrayList<>());
    Sleeper competing = new Sleeper() { // at every wake-up, someone else is first
      @Override
      public void sleep(long micros) {
        sleeps.add(micros);
        clock.advanceMicros(micros);
        assertThat(limiter.get().tryAcquire(key).allowed()).isTrue();
      }

      @Override
      public CompletionStage<Void> delay(long micros) {
        throw new AssertionError("no async wait here");
      }
    };
    limiter.set(limiter(competing,
        Limit.builder("1/second").algorithm(Algorithm.FIXED_WINDOW).build()));
    at(0);
    limiter.get().tryAcquire(key);
    // Waits 1 s, loses; waits 1 s more, loses; 0.5 s of budget left, less than the next 1 s.
    Decision d = limiter.get().acquire(key, 1, Duration.ofMillis(2_500));
    assertDenied(d, 0, SECOND, SECOND);
    assertThat(sleeps).containsExactly(SECOND, SECOND);
    assertThat(now()).isEqualTo(2 * SECOND);
  }

  /**
   * Two buckets: the request waits for the slower. Per-second 10 burst 1 (T = 100 ms) and a
   * "slow" 4 per second burst 2 (T = 250 ms).
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void withSeveralBucketsTheWaitIsTheLongestAndADenialTakesFromNone(Algorithm algorithm) {
    Limit fast = tenPerSecondBurstOne(algorithm).named("fast");
    Limit slow = Limit.builder("4/second").burst(2).algorithm(algorithm).name("slow").build();
    KeyedLimits limits = keyedLimits(fast, slow);
    String key = newKey();
    at(0);
    Reservation r = reserve(limits, key, 1, SECOND);
    assertThat(r.waitMicros()).isZero();
    assertDecidedBy(r.decision(), fast);
    assertAllowed(r.decision(), 0, 100_000);
    long[] waits = {100_000, 250_000, 500_000}; // fast: 100, 200, 300 ms; slow: 0, 250, 500 ms
    long[] slowResets = {500_000, 750_000, 1_000_000};
    for (int i = 0; i < 3; i++) {
      r = reserve(limits, key, 1, SECOND);
      assertThat(r.waitMicros()).as("reservation %d", i + 1).isEqualTo(waits[i]);
      assertDecidedBy(r.decision(), slow); // both have 0 left; slow is full again later
      assertAllowed(r.decision(), 0, slowResets[i]);
    }
    // fast would be due in 400 ms, slow in 750 ms: refused, the denial is acquire's.
    r = reserve(limits, key, 1, 600_000);
    assertDecidedBy(r.decision(), slow);
    assertDenied(r.decision(), 0, SECOND, 750_000);
    r = reserve(limits, key, 1, 750_000); // had the refusal taken from slow: 1 s
    assertThat(r.waitMicros()).isEqualTo(750_000);
    assertAllowed(r.decision(), 0, 1_250_000);
  }

  /**
   * A bucket ("1/second") and a window ("2/second"): the window must admit now, or the bucket
   * takes nothing into debt.
   */
  @ParameterizedTest(name = "{0} and {1}")
  @MethodSource("bucketsAndWindows")
  void aWindowWithoutRoomNowVetoesTheBucketsDebt(Algorithm bucketAlgorithm,
      Algorithm windowAlgorithm) {
    Limit bucket = Limit.builder("1/second").algorithm(bucketAlgorithm).name("bucket").build();
    Limit window = Limit.builder("2/second").algorithm(windowAlgorithm).name("window").build();
    KeyedLimits limits = keyedLimits(bucket, window);
    String key = newKey();
    at(0);
    Reservation r = reserve(limits, key, 1, 10 * SECOND);
    assertThat(r.waitMicros()).isZero();
    assertDecidedBy(r.decision(), bucket);
    assertAllowed(r.decision(), 0, SECOND);
    r = reserve(limits, key, 1, 10 * SECOND); // the bucket in debt, the window's last permit
    assertThat(r.waitMicros()).isEqualTo(SECOND);
    assertDecidedBy(r.decision(), bucket);
    assertAllowed(r.decision(), 0, 2 * SECOND);
    r = reserve(limits, key, 1, 10 * SECOND); // the window is full until 1 s: refused
    assertThat(r.waitMicros()).isZero();
    assertDecidedBy(r.decision(), bucket); // acquire's denial: the bucket waits longer (2 s)
    assertDenied(r.decision(), 0, 2 * SECOND, 2 * SECOND);
    at(SECOND);
    r = reserve(limits, key, 1, 10 * SECOND); // had the refusal taken into debt: 2 s
    assertThat(r.waitMicros()).isEqualTo(SECOND);
    assertDecidedBy(r.decision(), bucket);
    assertAllowed(r.decision(), 0, 2 * SECOND);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void anInterruptedWaiterTakesNothingAndKeepsItsInterruptFlag(Algorithm algorithm) {
    RateLimiter limiter = limiter(new InterruptedSleeper(), tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    limiter.tryAcquire(key);
    Decision d;
    boolean flag;
    try {
      d = limiter.acquire(key, 1, ONE_SECOND);
    } finally {
      flag = Thread.interrupted();
    }
    assertThat(flag).as("the interrupt flag, set again").isTrue();
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Decision.Reason.INTERRUPTED);
    assertThat(d.remaining()).isZero();
    assertThat(d.resetAfterMicros()).as("the reserved permit was given back").isEqualTo(100_000);
    assertThat(d.retryAfterMicros()).as("the wait left").isEqualTo(100_000);
    assertThat(d.degraded()).isFalse();
    assertAllowed(limiter.tryAcquire(key, 0), 0, 100_000); // not 200 ms: nothing was kept
    assertThat(now()).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class,
      names = {"FIXED_WINDOW", "SLIDING_WINDOW_LOG", "SLIDING_WINDOW_COUNTER"})
  void aWindowWaiterInterruptedBeforeItsRetryTakesNothingAndKeepsItsFlag(Algorithm algorithm) {
    RateLimiter limiter = limiter(new InterruptedSleeper(),
        Limit.builder("1/second").algorithm(algorithm).build());
    String key = newKey();
    at(0);
    limiter.tryAcquire(key);
    Decision denial = limiter.tryAcquire(key);
    Decision d;
    boolean flag;
    try {
      d = limiter.acquire(key, 1, Duration.ofSeconds(10));
    } finally {
      flag = Thread.interrupted();
    }
    assertThat(flag).isTrue();
    assertThat(d.reason()).isEqualTo(Decision.Reason.INTERRUPTED);
    assertThat(new long[] {d.remaining(), d.resetAfterMicros(), d.retryAfterMicros()})
        .containsExactly(denial.remaining(), denial.resetAfterMicros(),
            denial.retryAfterMicros());
    assertThat(limiter.tryAcquire(key)).isEqualTo(denial); // nothing taken, nothing changed
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void zeroPermitsAndPermitsBeyondTheCapacityNeverWait(Algorithm algorithm) {
    ManualSleeper sleeper = new ManualSleeper(clock);
    Limit limit = Limit.builder("3/second").algorithm(algorithm).build();
    RateLimiter limiter = limiter(sleeper, limit);
    String key = newKey();
    at(0);
    assertThat(limiter.tryAcquire(key, 3).allowed()).isTrue();
    Decision check = limiter.tryAcquire(key, 0);
    assertThat(limiter.acquire(key, 0, ONE_SECOND)).isEqualTo(check);
    Decision never = limiter.acquire(key, 4, Duration.ofDays(1));
    assertNeverFits(never, 0, check.resetAfterMicros());
    assertThat(sleeper.waits()).isEmpty();
    assertThat(limiter.acquire(key, 1, Duration.ZERO)).isEqualTo(limiter.tryAcquire(key));
  }

  /** Two keys driven alike: {@code reserve(k, 0)} on one, {@code acquire(k)} on the other. */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aReservationThatMayNotWaitIsExactlyAnAcquire(Algorithm algorithm) {
    KeyedLimits limits = keyedLimits(Limit.builder("5/second").algorithm(algorithm).build());
    String reserving = newKey();
    String acquiring = newKey();
    SplittableRandom rnd = new SplittableRandom(algorithm.ordinal());
    at(0);
    for (int step = 0; step < 60; step++) {
      if (rnd.nextInt(3) > 0) {
        clock.advanceMicros(rnd.nextLong(400_000));
      }
      long k = rnd.nextInt(7);
      Reservation r = reserve(limits, reserving, k, 0);
      assertThat(r.waitMicros()).isZero();
      assertThat(r.decision()).as("step %d: %d permits at %d µs", step, k, now())
          .isEqualTo(limits.acquire(acquiring, k));
    }
  }

  /** The state of a bucket in debt lives until the debt is paid, not one burst refill. */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aKeyInDebtKeepsItsStateUntilTheDebtIsPaid(Algorithm algorithm) {
    KeyedLimits limits = keyedLimits(Limit.builder("1/second").algorithm(algorithm).build());
    String key = newKey();
    at(0);
    assertAllowed(reserve(limits, key, 1, 0).decision(), 0, SECOND);
    assertThat(reserve(limits, key, 1, 5 * SECOND).waitMicros()).isEqualTo(SECOND);
    Reservation r = reserve(limits, key, 1, 5 * SECOND);
    assertThat(r.waitMicros()).isEqualTo(2 * SECOND);
    assertAllowed(r.decision(), 0, 3 * SECOND);
    at(1_500_000);
    assertAllowed(limits.acquire(key, 0), 0, 1_500_000);
    at(2_999_999);
    assertDeniedForOneMoreMicrosecond(limits.acquire(key, 1));
    assertAllowed(limits.acquire(key, 0), 0, 1);
    at(3 * SECOND);
    assertAllowed(limits.acquire(key, 0), 1, 0);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void theAsyncReservationAnswersAsTheBlockingOne(Algorithm algorithm) throws Exception {
    KeyedLimits limits = keyedLimits(tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    limits.acquire(key, 1);
    Reservation r = limits.reserveAsync(key, 1, SECOND).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(r.waitMicros()).isEqualTo(100_000);
    assertAllowed(r.decision(), 0, 200_000);
    r = limits.reserveAsync(key, 1, 100_000).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(r.waitMicros()).isZero();
    assertDenied(r.decision(), 0, 200_000, 200_000);
  }

  /** Racing reservations at one instant: each gets its own slot, none twice, none skipped. */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void racingReservationsTakeDistinctConsecutiveSlots(Algorithm algorithm) throws Exception {
    KeyedLimits limits = keyedLimits(tenPerSecondBurstOne(algorithm));
    String key = newKey();
    at(0);
    int threads = 8;
    int each = 5;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          start.await();
          List<Long> waits = new ArrayList<>();
          for (int i = 0; i < each; i++) {
            Reservation r = limits.reserve(key, 1, Long.MAX_VALUE);
            assertThat(r.decision().allowed()).isTrue();
            waits.add(r.waitMicros());
          }
          return waits;
        }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : results) {
        List<Long> waits = f.get(60, TimeUnit.SECONDS);
        assertThat(waits).as("one thread's waits, in its order").isSorted();
        all.addAll(waits);
      }
      Collections.sort(all);
      List<Long> expected = new ArrayList<>();
      for (long i = 0; i < threads * each; i++) {
        expected.add(i * 100_000);
      }
      assertThat(all).isEqualTo(expected);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void invalidArgumentsAreRejectedAtTheCall() {
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = limiter(sleeper, Limit.perSecond(3));
    String key = newKey();
    assertThatThrownBy(() -> limiter.acquire(key, -1, ONE_SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 0, was -1");
    assertThatThrownBy(() -> limiter.acquire(key, 1, Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait must be >= 0");
    assertThatThrownBy(() -> limiter.acquire(null, 1, ONE_SECOND))
        .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
    assertThatThrownBy(() -> limiter.acquire("", 1, ONE_SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
    assertThatThrownBy(() -> limiter.acquire(key, 1, null))
        .isInstanceOf(NullPointerException.class).hasMessage("maxWait must not be null");
    assertThatThrownBy(() -> limiter.acquireAsync(key, -1, ONE_SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 0, was -1");
    assertThatThrownBy(() -> limiter.acquireAsync(key, 1, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait must be >= 0");
    assertThatThrownBy(() -> limiter.acquireAsync(null, 1, ONE_SECOND))
        .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
    assertThatThrownBy(() -> limiter.acquireAsync(key, 1, null))
        .isInstanceOf(NullPointerException.class).hasMessage("maxWait must not be null");
    at(0);
    assertAllowed(limiter.tryAcquire(key, 3), 0, SECOND); // nothing was taken by the above
    assertThat(sleeper.waits()).isEmpty();
  }

  /** Records delays and completes them only when the test says so; never blocks. */
  private static final class HeldSleeper implements Sleeper {
    private final List<Long> delays = new ArrayList<>();
    final List<CompletableFuture<Void>> pending = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * The delays asked for, once there are {@code n} of them and each has its waiter's next step
     * attached (waits up to 10 s for replies): a network backend asks for a delay on its reply
     * thread and attaches the next step just after, so completing a delay the moment it was
     * asked for could run that step after the test looked.
     */
    synchronized List<Long> delays(int n) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((delays.size() < n
          || pending.stream().limit(n).anyMatch(f -> f.getNumberOfDependents() == 0))
          && System.nanoTime() < deadline) {
        try {
          wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return List.copyOf(delays);
    }

    @Override
    public void sleep(long micros) {
      throw new AssertionError("an async waiter must not block a thread");
    }

    @Override
    public synchronized CompletionStage<Void> delay(long micros) {
      delays.add(micros);
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.add(f);
      notifyAll();
      return f;
    }
  }

  /** Every sleep is interrupted (the flag cleared, as the JDK's sleeps leave it). */
  private static final class InterruptedSleeper implements Sleeper {
    @Override
    public void sleep(long micros) throws InterruptedException {
      throw new InterruptedException("interrupted while waiting " + micros + " µs");
    }

    @Override
    public CompletionStage<Void> delay(long micros) {
      return CompletableFuture.failedFuture(new AssertionError("not used"));
    }
  }
}
