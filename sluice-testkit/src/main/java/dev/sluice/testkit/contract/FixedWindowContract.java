package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Algorithm#FIXED_WINDOW}: at most count permits in each window {@code
 * [floor(now / period) × period, + period)}, aligned to the Unix epoch. {@code resetAfter} = time
 * to the window's end if anything was used in it, else 0; {@code retryAfter} = time to the
 * window's end.
 */
public abstract class FixedWindowContract extends AbstractContract {

  private static Limit limit(String text) {
    return Limit.builder(text).algorithm(Algorithm.FIXED_WINDOW).build();
  }

  @Test
  void threePerSecondCountsInWindowsAlignedToTheEpoch() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(), 2, 1_000_000);
    assertAllowed(key.acquire(), 1, 1_000_000);
    assertAllowed(key.acquire(), 0, 1_000_000);
    assertDenied(key.acquire(), 0, 1_000_000, 1_000_000);

    at(999_999); // the window's last µs
    assertDenied(key.acquire(), 0, 1, 1);

    at(1_000_000); // the next window's first
    assertAllowed(key.acquire(), 2, 1_000_000);
  }

  @Test
  void windowsStartAtTheEpochNotAtTheFirstRequest() {
    Key key = key(limit("3/second"));
    at(250_000);
    assertAllowed(key.acquire(), 2, 750_000);
    assertAllowed(key.acquire(2), 0, 750_000);
    assertDenied(key.acquire(), 0, 750_000, 750_000);
    at(1_000_000);
    assertAllowed(key.acquire(), 2, 1_000_000);

    // 7-second windows: T0 lies 1 s into one, so it ends 6 s after T0.
    assertThat(Math.floorMod(T0, 7 * SECOND)).isEqualTo(SECOND);
    Key sevens = key(limit("3 per 7 seconds"));
    at(0);
    assertAllowed(sevens.acquire(3), 0, 6 * SECOND);
    at(6 * SECOND - 1);
    assertDenied(sevens.acquire(), 0, 1, 1);
    at(6 * SECOND);
    assertAllowed(sevens.acquire(), 2, 7 * SECOND);
  }

  @Test
  void twiceTheCountCanPassAroundAWindowBoundary() {
    Key key = key(limit("3/second"));
    at(999_999);
    assertAllowed(key.acquire(), 2, 1);
    assertAllowed(key.acquire(), 1, 1);
    assertAllowed(key.acquire(), 0, 1);
    assertDenied(key.acquire(), 0, 1, 1);
    at(1_000_000); // a new window, a new count: unlike the sliding algorithms
    assertAllowed(key.acquire(), 2, 1_000_000);
    assertAllowed(key.acquire(), 1, 1_000_000);
    assertAllowed(key.acquire(), 0, 1_000_000);
  }

  @Test
  void aRequestTakesAsManyPermitsAsItsCost() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(2), 1, 1_000_000);
    assertDenied(key.acquire(2), 1, 1_000_000, 1_000_000);
    assertAllowed(key.acquire(1), 0, 1_000_000);
    at(1_000_000);
    assertAllowed(key.acquire(3), 0, 1_000_000);
  }

  @Test
  void zeroPermitsAreAPureCheckThatAlwaysPassesAndTakesNothing() {
    Key key = key(limit("3/second"));
    at(400_000);
    assertAllowed(key.check(), 3, 0); // nothing used: nothing to reset
    assertAllowed(key.acquire(), 2, 600_000);
    for (int i = 0; i < 3; i++) {
      assertAllowed(key.check(), 2, 600_000);
    }
    assertAllowed(key.acquire(2), 0, 600_000);
    assertAllowed(key.check(), 0, 600_000);
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
    at(400_000);
    assertAllowed(key.acquire(), 2, 600_000);
    at(999_999);
    assertAllowed(key.check(), 2, 1);
    at(1_000_000);
    assertAllowed(key.check(), 3, 0);
    assertAllowed(key.acquire(), 2, 1_000_000);
    at(DAY + 400_000);
    assertAllowed(key.acquire(3), 0, 600_000);
  }
}
