package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import org.junit.jupiter.api.Test;

/**
 * A clock that moves back (NTP stepping it, or instances with skewed clocks sharing one Redis
 * key in client-clock mode). No algorithm may then admit more; a pure check must still pass, and
 * GCRA must still answer like the token bucket.
 *
 * <p>The disabled tests expose core bugs, reported with these exact inputs.
 */
class ClockSkewTest {

  private static final long T = 1_700_006_400_000_000L; // a whole second (and day) since the epoch

  @Test
  void gcraPureCheckPassesAfterTheClockMovesBack() {
    Harness h = Harness.of(Limit.builder("1/second").algorithm(Algorithm.GCRA).build());
    assertThat(h.acquire(T, 1).allowed()).isTrue(); // TAT = T + 1 s
    // The token bucket answers: allowed, remaining 0, resetAfter 1,000,001 µs.
    // GCRA answers: denied, LIMIT_EXCEEDED, remaining 0, retryAfter 1 µs.
    assertThat(h.acquire(T - 1, 0).allowed()).as("zero permits at T - 1 µs").isTrue();
  }

  @Test
  void slidingCounterPureCheckPassesAfterTheClockMovesBack() {
    Harness h = Harness.of(
        Limit.builder("4/second").algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build());
    assertThat(h.acquire(T, 4).allowed()).isTrue();
    // At T + 1.5 s the previous window weighs ceil(4 × 0.5) = 2: room for 2.
    assertThat(h.acquire(T + 1_500_000, 2).allowed()).isTrue();
    // At T + 1.4 s it weighs ceil(4 × 0.6) = 3, so the estimate is 3 + 2 = 5 > 4: the check is
    // denied (LIMIT_EXCEEDED, remaining 0, retryAfter 100,000 µs).
    assertThat(h.acquire(T + 1_400_000, 0).allowed()).as("zero permits at T + 1.4 s").isTrue();
  }

  @Test
  void gcraAndTokenBucketAgreeAfterTheClockMovesBack() {
    Limit bucket = Limit.builder("1/second").burst(3).build();
    Harness tb = Harness.of(bucket);
    Harness gcra = Harness.of(bucket.toBuilder().algorithm(Algorithm.GCRA).build());
    assertThat(tb.acquire(T, 1)).isEqualTo(Decision.allowed(bucket, 2, 1_000_000));
    gcra.acquire(T, 1);
    // 0.5 s back, both algorithms treat the 0.5 s not yet lived as refill not yet accrued: one
    // usable token, so 2 are denied (remaining 1, retryAfter 500,000 µs: back at T).
    Decision expected = tb.acquire(T - 500_000, 2);
    Decision actual = gcra.acquire(T - 500_000, 2);
    assertThat(expected.allowed()).isFalse();
    assertThat(expected.remaining()).isEqualTo(1);
    assertThat(expected.retryAfterMicros()).isEqualTo(500_000);
    assertThat(Result.of(actual)).isEqualTo(Result.of(expected));
  }

  /** What holds today: a clock that moves back never lets more through. */
  @Test
  void aClockThatMovesBackNeverAdmitsMore() {
    for (Algorithm a : Algorithm.values()) {
      Harness h = Harness.of(Limit.builder("3/second").algorithm(a).build());
      assertThat(h.acquire(T + 999_999, 3).allowed()).as("%s", a).isTrue();
      for (long back = 1; back <= 2_000_000; back += 99_999) {
        assertThat(h.acquire(T + 999_999 - back, 1).allowed())
            .as("%s, %d µs back", a, back).isFalse();
      }
    }
  }
}
