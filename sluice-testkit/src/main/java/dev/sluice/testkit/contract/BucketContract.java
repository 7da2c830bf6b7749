package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The contract shared by {@link TokenBucketContract} and {@link GcraContract}, which must give the
 * same numbers: a bucket of {@code burst} tokens (default: count) refilled continuously at {@code
 * count / period}, whole tokens counted and fractions carried exactly; {@code remaining} = whole
 * tokens left, {@code resetAfter} = time until the bucket is full again, {@code retryAfter} = time
 * until enough tokens, all rounded up to whole µs. Extend those two, not this class.
 */
public abstract class BucketContract extends AbstractContract {

  BucketContract() {}

  /** The algorithm under test: TOKEN_BUCKET or GCRA. */
  protected abstract Algorithm algorithm();

  private Limit.Builder rate(String text) {
    return Limit.builder(text).algorithm(algorithm());
  }

  private Limit limit(String text) {
    return rate(text).build();
  }

  @Test
  void threePerSecondStartsFullThenRefillsOneTokenEveryThirdOfASecond() {
    Key key = key(limit("3/second")); // one token every T = 333,333.33 µs
    at(0);
    assertAllowed(key.acquire(), 2, 333_334); // full again after T, rounded up
    assertAllowed(key.acquire(), 1, 666_667); // 2T = 666,666.67
    assertAllowed(key.acquire(), 0, 1_000_000); // 3T
    assertDenied(key.acquire(), 0, 1_000_000, 333_334);

    at(333_333);
    assertDenied(key.acquire(), 0, 666_667, 1);

    at(333_334); // the first token arrived at T
    assertAllowed(key.acquire(), 0, 1_000_000); // full at 4T = 1,333,333.33
    assertDenied(key.acquire(), 0, 1_000_000, 333_333); // next token at 2T = 666,666.67

    at(666_667);
    assertAllowed(key.acquire(), 0, 1_000_000); // full at 5T = 1,666,666.67
  }

  /** After draining a full bucket, {@code permits} more wait exactly ceil(permits × T). */
  @ParameterizedTest(name = "{0} per {1} µs, drained, {2} permits: retry after {3} µs")
  @CsvSource({
      "3, 1000000, 1, 333334",
      "3, 1000000, 2, 666667",
      "3, 1000000, 3, 1000000",
      "7, 1000000, 1, 142858",
      "7, 1000000, 3, 428572",
      "7, 3000000, 4, 1714286",
      "1000, 1000000, 1, 1000",
      "3, 2, 1, 1", // T = 2/3 µs: less than a microsecond
      "3, 2, 2, 2",
      "3, 2, 3, 2",
      "1, 86400000000, 1, 86400000000",
  })
  void aRetryAtExactlyRetryAfterSucceedsAndOneMicrosecondEarlierFails(long count,
      long periodMicros, long permits, long retryAfter) {
    Key key = key(Limit.builderOfMicros(count, periodMicros).algorithm(algorithm()).build());
    at(0);
    assertAllowed(key.acquire(count), 0, periodMicros); // a whole bucket takes a period to refill
    assertDenied(key.acquire(permits), 0, periodMicros, retryAfter);

    at(retryAfter - 1);
    assertDeniedForOneMoreMicrosecond(key.acquire(permits));

    at(retryAfter);
    assertThat(key.acquire(permits).allowed()).isTrue();
  }

  @Test
  void fractionsOfATokenAreCarriedSoExactlyCountTokensAccruePerPeriod() {
    Key key = key(limit("7/second")); // T = 142,857.14 µs
    at(0);
    assertAllowed(key.acquire(7), 0, 1_000_000);
    // Token k arrives at k × T exactly; rounding each refill would drift.
    long[] arrivals = {142_858, 285_715, 428_572, 571_429, 714_286, 857_143, 1_000_000};
    for (long t : arrivals) {
      at(t - 1);
      assertDeniedForOneMoreMicrosecond(key.acquire());
      at(t);
      assertAllowed(key.acquire(), 0, 1_000_000);
    }
  }

  @Test
  void aBurstLargerThanTheCountIsAdmittedAtOnceThenTheSteadyRate() {
    Key key = key(rate("1/second").burst(5).build());
    at(0);
    assertAllowed(key.acquire(), 4, 1 * SECOND);
    assertAllowed(key.acquire(), 3, 2 * SECOND);
    assertAllowed(key.acquire(), 2, 3 * SECOND);
    assertAllowed(key.acquire(), 1, 4 * SECOND);
    assertAllowed(key.acquire(), 0, 5 * SECOND);
    assertDenied(key.acquire(), 0, 5 * SECOND, 1 * SECOND);

    at(2_500_000); // two whole tokens; half of the third
    assertAllowed(key.acquire(2), 0, 4_500_000); // full at 7 s
    assertDenied(key.acquire(), 0, 4_500_000, 500_000);
  }

  @Test
  void aBurstSmallerThanTheCountCapsTheBucket() {
    Key key = key(rate("10/second").burst(2).build()); // T = 100 ms
    at(0);
    assertAllowed(key.acquire(), 1, 100_000);
    assertAllowed(key.acquire(), 0, 200_000);
    assertDenied(key.acquire(), 0, 200_000, 100_000);

    at(HOUR); // an idle hour refills the bucket, no more
    assertNeverFits(key.acquire(3), 2, 0);
    assertAllowed(key.acquire(2), 0, 200_000);
  }

  @Test
  void aRequestTakesAsManyTokensAsItsCost() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(2), 1, 666_667);
    assertDenied(key.acquire(2), 1, 666_667, 333_334); // one more token needed
    assertAllowed(key.acquire(1), 0, 1_000_000);

    at(666_667); // two tokens, at T and 2T
    assertAllowed(key.acquire(2), 0, 1_000_000);
  }

  @Test
  void zeroPermitsAreAPureCheckThatAlwaysPassesAndTakesNothing() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.check(), 3, 0); // a fresh key is a full bucket
    assertAllowed(key.acquire(2), 1, 666_667);
    for (int i = 0; i < 3; i++) {
      assertAllowed(key.check(), 1, 666_667);
    }
    assertAllowed(key.acquire(), 0, 1_000_000);
    assertAllowed(key.check(), 0, 1_000_000); // even on an empty bucket

    at(500_000);
    assertAllowed(key.check(), 1, 500_000);
    assertAllowed(key.acquire(), 0, 833_334); // full at 4T = 1,333,333.33
  }

  @Test
  void moreThanTheBurstIsNeverAdmittedAndTakesNothing() {
    Key key = key(limit("3/second"));
    at(0);
    assertNeverFits(key.acquire(4), 3, 0);
    assertAllowed(key.acquire(3), 0, 1_000_000);
    assertNeverFits(key.acquire(4), 0, 1_000_000); // never, not "wait for a refill"

    Key bursty = key(rate("1/second").burst(5).build());
    assertNeverFits(bursty.acquire(6), 5, 0);
    assertAllowed(bursty.acquire(5), 0, 5 * SECOND);
  }

  @Test
  void afterResetAfterTheKeyBehavesExactlyLikeAFreshOne() {
    Key key = key(limit("3/second"));
    at(0);
    key.acquire(2);
    assertAllowed(key.acquire(), 0, 1_000_000);

    at(999_999); // one µs early: two tokens, the third still accruing
    assertAllowed(key.check(), 2, 1);

    at(1_000_000);
    assertAllowed(key.check(), 3, 0);
    assertAllowed(key.acquire(), 2, 333_334);

    Key idle = key(limit("3/second"));
    assertAllowed(idle.acquire(3), 0, 1_000_000);
    at(DAY);
    assertAllowed(idle.acquire(3), 0, 1_000_000);
  }
}
