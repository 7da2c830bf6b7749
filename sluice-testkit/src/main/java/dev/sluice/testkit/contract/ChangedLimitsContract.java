package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Limits that change keep their counts ({@link RateLimiter.Builder#predecessor}): a key moves to
 * the new limits with what it used under the old ones, converted per algorithm (see {@code
 * docs/algorithms.md}, "Changed limits"). Buckets keep their deficit in permits, re-expressed in
 * the new emission interval; a fixed window keeps the count of the window holding now; a sliding
 * window counter keeps both windows' counts when its period is unchanged; a sliding window log
 * keeps its times. Another algorithm starts fresh. The state moves (the predecessor no longer
 * holds it), a reset forgets it on both sides, and a key that already has state under the new
 * limits does not look again.
 */
public abstract class ChangedLimitsContract extends AbstractContract {

  /** A limiter for {@code limits} whose keys keep what they used under {@code predecessor}. */
  private RateLimiter successor(Key predecessor, Limit... limits) {
    return RateLimiter.builder(List.of(limits)).backend(backend())
        .predecessor(predecessor.limiter()).build();
  }

  /** {@code key}'s name on another limiter. */
  private static Key on(RateLimiter limiter, Key key) {
    return new Key(limiter, key.name());
  }

  private static Limit limit(String text, Algorithm algorithm) {
    return Limit.parse(text, algorithm);
  }

  private void aBucketKeepsItsDeficit(Algorithm a) {
    Key old = key(limit("10/minute", a)); // T = 6 s
    assertAllowed(old.acquire(7), 3, 42 * SECOND);
    Key raised = on(successor(old, limit("12/minute", a)), old); // T = 5 s
    assertAllowed(raised.check(), 5, 35 * SECOND); // 7 used, re-expressed: 7 × 5 s to refill
    assertAllowed(raised.acquire(5), 0, 60 * SECOND);
    assertDenied(raised.acquire(), 0, 60 * SECOND, 5 * SECOND);
    assertAllowed(old.check(), 10, 0); // the state moved: nothing is left under the old limits
  }

  @Test
  void aTokenBucketKeepsItsDeficit() {
    aBucketKeepsItsDeficit(Algorithm.TOKEN_BUCKET);
  }

  @Test
  void gcraKeepsItsDeficit() {
    aBucketKeepsItsDeficit(Algorithm.GCRA);
  }

  private void aBucketCountsAPartlyRefilledPermitAsUsed(Algorithm a) {
    Key old = key(limit("10/minute", a));
    assertAllowed(old.acquire(7), 3, 42 * SECOND);
    at(3 * SECOND); // 6.5 permits not refilled yet: 7 carried
    Key raised = on(successor(old, limit("12/minute", a)), old);
    assertAllowed(raised.check(), 5, 35 * SECOND);
    Key again = key(limit("10/minute", a));
    assertAllowed(again.acquire(7), 3, 42 * SECOND);
    at(9 * SECOND); // 6 permits not refilled yet
    Key moved = on(successor(again, limit("12/minute", a)), again);
    assertAllowed(moved.check(), 6, 30 * SECOND);
  }

  @Test
  void aTokenBucketCountsAPartlyRefilledPermitAsUsed() {
    aBucketCountsAPartlyRefilledPermitAsUsed(Algorithm.TOKEN_BUCKET);
  }

  @Test
  void gcraCountsAPartlyRefilledPermitAsUsed() {
    aBucketCountsAPartlyRefilledPermitAsUsed(Algorithm.GCRA);
  }

  private void aLoweredBucketIsInDebt(Algorithm a) {
    Key old = key(limit("10/minute", a));
    assertAllowed(old.acquire(7), 3, 42 * SECOND);
    Key lowered = on(successor(old, limit("5/minute", a)), old); // T = 12 s
    // 7 used of 5: 2 in debt; one more permit when 7 + 1 - 5 = 3 have refilled
    assertDenied(lowered.acquire(), 0, 84 * SECOND, 36 * SECOND);
    at(36 * SECOND);
    assertAllowed(lowered.acquire(), 0, 60 * SECOND);
  }

  @Test
  void aLoweredTokenBucketIsInDebt() {
    aLoweredBucketIsInDebt(Algorithm.TOKEN_BUCKET);
  }

  @Test
  void aLoweredGcraIsInDebt() {
    aLoweredBucketIsInDebt(Algorithm.GCRA);
  }

  @Test
  void aFixedWindowKeepsTheCountOfItsWindow() {
    Key old = key(limit("10/minute", Algorithm.FIXED_WINDOW));
    at(10 * SECOND);
    assertAllowed(old.acquire(7), 3, 50 * SECOND);
    Key raised = on(successor(old, limit("12/minute", Algorithm.FIXED_WINDOW)), old);
    assertAllowed(raised.check(), 5, 50 * SECOND);
    assertAllowed(raised.acquire(5), 0, 50 * SECOND);
    assertDenied(raised.acquire(), 0, 50 * SECOND, 50 * SECOND);
    at(MINUTE); // the next window: nothing carried into it
    assertAllowed(raised.acquire(), 11, MINUTE);

    Key other = key(limit("10/minute", Algorithm.FIXED_WINDOW));
    at(70 * SECOND);
    assertAllowed(other.acquire(7), 3, 50 * SECOND);
    Key lowered = on(successor(other, limit("5/minute", Algorithm.FIXED_WINDOW)), other);
    assertDenied(lowered.acquire(), 0, 50 * SECOND, 50 * SECOND);
  }

  @Test
  void aFixedWindowOfAnotherPeriodCountsTheUsedPermitsInItsWindowHoldingNow() {
    Key old = key(limit("10/minute", Algorithm.FIXED_WINDOW));
    at(10 * SECOND);
    assertAllowed(old.acquire(7), 3, 50 * SECOND);
    Key longer = on(successor(old,
        Limit.of(20, Duration.ofMinutes(2), Algorithm.FIXED_WINDOW)), old);
    assertAllowed(longer.check(), 13, 110 * SECOND);
  }

  @Test
  void aSlidingWindowCounterKeepsBothWindowsWhenItsPeriodIsUnchanged() {
    Key old = key(limit("10/minute", Algorithm.SLIDING_WINDOW_COUNTER));
    assertThat(old.acquire(6).allowed()).isTrue();
    at(70 * SECOND); // previous 6 weighs ceil(6 × 50 / 60) = 5
    assertThat(old.acquire(2).remaining()).isEqualTo(3);
    Key raised = on(successor(old, limit("12/minute", Algorithm.SLIDING_WINDOW_COUNTER)), old);
    assertThat(raised.check().remaining()).isEqualTo(5); // 12 - 5 - 2
    at(90 * SECOND); // the previous window still slides out: ceil(6 × 30 / 60) = 3
    assertThat(raised.check().remaining()).isEqualTo(7);
    at(120 * SECOND); // 2 as previous, weighing 2
    assertThat(raised.check().remaining()).isEqualTo(10);
  }

  @Test
  void aSlidingWindowCounterOfAnotherPeriodCountsTheEstimateInItsCurrentWindow() {
    Key old = key(limit("10/minute", Algorithm.SLIDING_WINDOW_COUNTER));
    assertThat(old.acquire(6).allowed()).isTrue();
    at(70 * SECOND);
    assertThat(old.acquire(2).remaining()).isEqualTo(3);
    Key longer = on(successor(old,
        Limit.of(20, Duration.ofMinutes(2), Algorithm.SLIDING_WINDOW_COUNTER)), old);
    assertThat(longer.check().remaining()).isEqualTo(13); // 5 + 2 in the window [0, 2 min)
    at(110 * SECOND);
    assertThat(longer.check().remaining()).isEqualTo(13);
  }

  @Test
  void aSlidingWindowLogKeepsItsTimes() {
    Key old = key(limit("10/minute", Algorithm.SLIDING_WINDOW_LOG));
    assertThat(old.acquire(3).allowed()).isTrue();
    at(20 * SECOND);
    assertThat(old.acquire(4).allowed()).isTrue();
    at(30 * SECOND);
    Key lowered = on(successor(old, limit("8/minute", Algorithm.SLIDING_WINDOW_LOG)), old);
    assertThat(lowered.check().remaining()).isEqualTo(1);
    assertThat(lowered.acquire(2).allowed()).isFalse();
    at(MINUTE); // the 3 taken at 0 leave
    assertThat(lowered.check().remaining()).isEqualTo(4);
    at(80 * SECOND); // and the 4 taken at 20 s
    assertThat(lowered.check().remaining()).isEqualTo(8);
  }

  @Test
  void aSlidingWindowLogOfAnotherPeriodReadsTheTimesWithItsOwn() {
    Key old = key(limit("10/minute", Algorithm.SLIDING_WINDOW_LOG));
    assertThat(old.acquire(3).allowed()).isTrue();
    at(20 * SECOND);
    assertThat(old.acquire(4).allowed()).isTrue();
    at(30 * SECOND);
    Key longer = on(successor(old,
        Limit.of(10, Duration.ofMinutes(2), Algorithm.SLIDING_WINDOW_LOG)), old);
    assertThat(longer.check().remaining()).isEqualTo(3);
    at(MINUTE); // still in the two minutes
    assertThat(longer.check().remaining()).isEqualTo(3);
    at(2 * MINUTE);
    assertThat(longer.check().remaining()).isEqualTo(6);
    at(140 * SECOND);
    assertThat(longer.check().remaining()).isEqualTo(10);
  }

  @Test
  void anotherAlgorithmStartsFresh() {
    Key old = key(limit("10/minute", Algorithm.TOKEN_BUCKET));
    assertAllowed(old.acquire(7), 3, 42 * SECOND);
    Key window = on(successor(old, limit("10/minute", Algorithm.FIXED_WINDOW)), old);
    assertAllowed(window.check(), 10, 0);
    assertAllowed(window.acquire(10), 0, MINUTE);
  }

  @Test
  void aKeyWithoutStateStartsFresh() {
    Key old = key(limit("10/minute", Algorithm.FIXED_WINDOW));
    assertAllowed(old.acquire(7), 3, MINUTE);
    RateLimiter raised = successor(old, limit("12/minute", Algorithm.FIXED_WINDOW));
    Key other = new Key(raised, newKey());
    assertAllowed(other.acquire(), 11, MINUTE);
  }

  @Test
  void aResetForgetsWhatTheKeyUsedUnderThePredecessorToo() {
    Key old = key(limit("10/minute", Algorithm.TOKEN_BUCKET));
    assertAllowed(old.acquire(7), 3, 42 * SECOND);
    Key raised = on(successor(old, limit("12/minute", Algorithm.TOKEN_BUCKET)), old);
    raised.limiter().reset(raised.name());
    assertAllowed(raised.check(), 12, 0);
    assertAllowed(old.check(), 10, 0);
  }

  @Test
  void aKeyThatHasStateUnderTheNewLimitsDoesNotLookAgain() {
    Key old = key(limit("10/minute", Algorithm.FIXED_WINDOW));
    assertAllowed(old.acquire(7), 3, MINUTE);
    Key raised = on(successor(old, limit("12/minute", Algorithm.FIXED_WINDOW)), old);
    assertAllowed(raised.acquire(2), 3, MINUTE);
    assertAllowed(old.acquire(4), 6, MINUTE); // a late use of the predecessor stays there
    assertAllowed(raised.check(), 3, MINUTE);
  }

  @Test
  void everyLimitOfAKeyKeepsItsOwnCount() {
    Limit minute = limit("10/minute", Algorithm.FIXED_WINDOW);
    Limit hour = limit("20/hour", Algorithm.FIXED_WINDOW);
    Key old = key(minute, hour);
    assertThat(old.acquire(7).allowed()).isTrue();
    Key raised = on(successor(old, limit("12/minute", Algorithm.FIXED_WINDOW), hour), old);
    assertThat(raised.check().remaining()).isEqualTo(5);
    at(MINUTE);
    assertThat(raised.acquire(12).allowed()).isTrue(); // the hour: 13 left, now 1
    at(2 * MINUTE);
    Decision d = raised.check();
    assertThat(d.remaining()).isEqualTo(1);
    assertDecidedBy(d, hour);
  }

  @Test
  void racingFirstTouchesOfMovedKeysAdmitExactlyWhatIsLeft() throws Exception {
    Limit ten = limit("10/minute", Algorithm.FIXED_WINDOW);
    RateLimiter before = limiter(ten);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String k = newKey();
      keys.add(k);
      assertThat(before.tryAcquire(k, 7).allowed()).isTrue();
    }
    RateLimiter after = RateLimiter.builder(List.of(limit("12/minute", Algorithm.FIXED_WINDOW)))
        .backend(backend()).predecessor(before).build();
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<long[]>> counts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        counts.add(pool.submit(() -> {
          start.await();
          long[] admitted = new long[keys.size()];
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < keys.size(); i++) {
              if (after.tryAcquire(keys.get(i), 1).allowed()) {
                admitted[i]++;
              }
            }
          }
          return admitted;
        }));
      }
      start.countDown();
      long[] total = new long[keys.size()];
      for (Future<long[]> f : counts) {
        long[] a = f.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < total.length; i++) {
          total[i] += a[i];
        }
      }
      for (int i = 0; i < total.length; i++) {
        assertThat(total[i]).as("admitted for %s", keys.get(i)).isEqualTo(5);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
