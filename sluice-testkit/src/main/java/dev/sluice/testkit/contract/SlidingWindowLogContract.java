package dev.sluice.testkit.contract;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Algorithm#SLIDING_WINDOW_LOG}: at most count permits admitted in every
 * interval {@code (now - period, now]}. {@code retryAfter} = time until enough of the oldest
 * permits leave the window; {@code resetAfter} = newest admission + period - now (0 when none is
 * in the window).
 */
public abstract class SlidingWindowLogContract extends AbstractContract {

  private static Limit limit(String text) {
    return Limit.builder(text).algorithm(Algorithm.SLIDING_WINDOW_LOG).build();
  }

  @Test
  void threePerSecondCountsEveryAdmissionForExactlyOneSecond() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(), 2, 1_000_000);
    at(100_000);
    assertAllowed(key.acquire(), 1, 1_000_000);
    at(200_000);
    assertAllowed(key.acquire(), 0, 1_000_000);
    at(300_000);
    assertDenied(key.acquire(), 0, 900_000, 700_000); // the admission at 0 leaves at 1 s

    at(999_999);
    assertDenied(key.acquire(), 0, 200_001, 1);
    at(1_000_000); // (0, 1 s] no longer holds the admission at 0
    assertAllowed(key.acquire(), 0, 1_000_000);

    at(1_099_999);
    assertDenied(key.acquire(), 0, 900_001, 1);
    at(1_100_000);
    assertAllowed(key.acquire(), 0, 1_000_000);
  }

  @Test
  void noWindowBoundaryLetsTwiceTheCountThrough() {
    Key key = key(limit("3/second"));
    at(999_999);
    assertAllowed(key.acquire(), 2, 1_000_000);
    assertAllowed(key.acquire(), 1, 1_000_000);
    assertAllowed(key.acquire(), 0, 1_000_000);
    at(1_000_000);
    assertDenied(key.acquire(), 0, 999_999, 999_999);
    at(1_999_998);
    assertDenied(key.acquire(), 0, 1, 1);
    at(1_999_999);
    assertAllowed(key.acquire(3), 0, 1_000_000);
  }

  @Test
  void aRequestWaitsUntilEnoughOfTheOldestPermitsHaveLeft() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(2), 1, 1_000_000);
    at(500_000);
    assertAllowed(key.acquire(1), 0, 1_000_000);
    at(600_000);
    assertDenied(key.acquire(1), 0, 900_000, 400_000); // both permits taken at 0 leave at 1 s
    assertDenied(key.acquire(2), 0, 900_000, 400_000);

    at(1_000_000);
    assertAllowed(key.acquire(2), 0, 1_000_000);
    at(1_100_000); // the window holds 1 permit from 0.5 s and 2 from 1 s
    assertDenied(key.acquire(1), 0, 900_000, 400_000);
    assertDenied(key.acquire(2), 0, 900_000, 900_000);
    assertDenied(key.acquire(3), 0, 900_000, 900_000);
  }

  @Test
  void zeroPermitsAreAPureCheckThatAlwaysPassesAndTakesNothing() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.check(), 3, 0);
    assertAllowed(key.acquire(), 2, 1_000_000);
    at(400_000);
    for (int i = 0; i < 3; i++) {
      assertAllowed(key.check(), 2, 600_000);
    }
    assertAllowed(key.acquire(2), 0, 1_000_000);
    assertAllowed(key.check(), 0, 1_000_000);
  }

  @Test
  void moreThanTheCountIsNeverAdmittedAndTakesNothing() {
    Key key = key(limit("3/second"));
    at(0);
    assertNeverFits(key.acquire(4), 3, 0);
    assertAllowed(key.acquire(3), 0, 1_000_000);
    assertNeverFits(key.acquire(4), 0, 1_000_000);
  }

  @Test
  void afterResetAfterTheKeyBehavesExactlyLikeAFreshOne() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(), 2, 1_000_000);
    at(300_000);
    assertAllowed(key.acquire(), 1, 1_000_000);
    at(1_000_000);
    assertAllowed(key.check(), 2, 300_000); // the first admission has left
    at(1_299_999);
    assertAllowed(key.check(), 2, 1);
    at(1_300_000);
    assertAllowed(key.check(), 3, 0);
    assertAllowed(key.acquire(), 2, 1_000_000);
  }
}
