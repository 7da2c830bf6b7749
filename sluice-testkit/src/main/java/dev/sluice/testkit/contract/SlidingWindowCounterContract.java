package dev.sluice.testkit.contract;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Algorithm#SLIDING_WINDOW_COUNTER}: with epoch-aligned windows, a request
 * of k permits passes when {@code ceil(previous × (period - elapsed) / period) + current + k <=
 * count}, elapsed being the time since the current window began (the weight is rounded up: never
 * undercount). {@code resetAfter} = window start + 2 × period - now while the current window has
 * permits, + period while only the previous one has, else 0; {@code retryAfter} = the first
 * instant the estimate leaves room.
 */
public abstract class SlidingWindowCounterContract extends AbstractContract {

  private static Limit limit(String text) {
    return Limit.builder(text).algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build();
  }

  @Test
  void fourPerSecondWeighsThePreviousWindowByItsOverlap() {
    Key key = key(limit("4/second"));
    at(0);
    assertAllowed(key.acquire(), 3, 2_000_000); // counts until the end of the next window
    assertAllowed(key.acquire(), 2, 2_000_000);
    assertAllowed(key.acquire(), 1, 2_000_000);
    assertAllowed(key.acquire(), 0, 2_000_000);
    // Next window: 4 × (1 s - e) / 1 s weighs at most 3 once e >= 0.25 s.
    assertDenied(key.acquire(), 0, 2_000_000, 1_250_000);

    at(999_999); // the window's last µs
    assertDenied(key.acquire(), 0, 1_000_001, 250_001);
    at(1_000_000); // the next window's first: the previous weighs 4 × 100%
    assertDenied(key.acquire(), 0, 1_000_000, 250_000);
    at(1_249_999); // ceil(4 × 0.750001) = 4
    assertDenied(key.acquire(), 0, 750_001, 1);
    at(1_250_000); // ceil(4 × 0.75) = 3
    assertAllowed(key.acquire(), 0, 1_750_000);
    assertDenied(key.acquire(), 0, 1_750_000, 250_000); // 2 + 1 + 1 fits at 1.5 s

    at(1_500_000);
    assertAllowed(key.acquire(), 0, 1_500_000);
  }

  @Test
  void theWeightOfThePreviousWindowIsRoundedUp() {
    Key key = key(limit("3/second"));
    at(0);
    assertAllowed(key.acquire(), 2, 2_000_000);
    at(1_000_000);
    assertAllowed(key.acquire(), 1, 2_000_000);
    assertAllowed(key.acquire(), 0, 2_000_000);
    at(1_999_999); // 1 µs of overlap still weighs a whole permit
    assertDenied(key.acquire(), 0, 1_000_001, 1);
    at(2_000_000); // now the 2 permits of [1 s, 2 s) weigh 2
    assertAllowed(key.acquire(), 0, 2_000_000);
  }

  @Test
  void aRequestTakesAsManyPermitsAsItsCost() {
    Key key = key(limit("4/second"));
    at(0);
    assertAllowed(key.acquire(3), 1, 2_000_000);
    // Room for 2 once ceil(3 × (1 s - e) / 1 s) <= 2, i.e. e >= 333,334 µs into the next window.
    assertDenied(key.acquire(2), 1, 2_000_000, 1_333_334);
    at(1_333_333);
    assertDenied(key.acquire(2), 1, 666_667, 1);
    at(1_333_334);
    assertAllowed(key.acquire(2), 0, 1_666_666);
  }

  @Test
  void zeroPermitsAreAPureCheckThatAlwaysPassesAndTakesNothing() {
    Key key = key(limit("4/second"));
    at(0);
    assertAllowed(key.check(), 4, 0);
    assertAllowed(key.acquire(), 3, 2_000_000);
    for (int i = 0; i < 3; i++) {
      assertAllowed(key.check(), 3, 2_000_000);
    }
    assertAllowed(key.acquire(3), 0, 2_000_000);
    assertAllowed(key.check(), 0, 2_000_000);
  }

  @Test
  void moreThanTheCountIsNeverAdmittedAndTakesNothing() {
    Key key = key(limit("4/second"));
    at(0);
    assertNeverFits(key.acquire(5), 4, 0);
    assertAllowed(key.acquire(4), 0, 2_000_000);
    assertNeverFits(key.acquire(5), 0, 2_000_000);
  }

  @Test
  void afterResetAfterTheKeyBehavesExactlyLikeAFreshOne() {
    Key key = key(limit("4/second"));
    at(0);
    assertAllowed(key.acquire(), 3, 2_000_000);
    at(1_000_000); // only the previous window holds a permit
    assertAllowed(key.check(), 3, 1_000_000);
    at(1_999_999);
    assertAllowed(key.check(), 3, 1);
    at(2_000_000);
    assertAllowed(key.check(), 4, 0);
    assertAllowed(key.acquire(), 3, 2_000_000);
  }
}
