package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.spi.Reservation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Worked examples of reserve and refund on the transitions, the numbers a port (the Redis Lua
 * scripts) can check itself against; the properties cover the rest.
 */
class ReservationTest {

  private static final long SECOND = 1_000_000;

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void successiveReservationsWaitOneIntervalMoreEachUntilTheWaitExceedsTheMost(Algorithm a) {
    Limit limit = Limit.builder("10/second").burst(1).algorithm(a).build(); // T = 100 ms
    Harness h = Harness.of(limit);
    for (int i = 0; i <= 10; i++) {
      Reservation r = h.reserve(0, 1, SECOND);
      assertThat(r.waitMicros()).as("reservation %d", i).isEqualTo(i * 100_000L);
      assertThat(r.decision()).isEqualTo(Decision.allowed(limit, 0, (i + 1) * 100_000L));
    }
    Reservation r = h.reserve(0, 1, SECOND); // due at 1.1 s: too late, nothing taken
    assertThat(r).isEqualTo(Reservation.immediate(
        Decision.denied(limit, 0, 1_100_000, 1_100_000)));
    assertThat(h.reserve(0, 1, 1_100_000).waitMicros()).isEqualTo(1_100_000);
    // The debt is paid by time: at 1.2 s the bucket holds its token again.
    assertThat(h.peek(1_200_000, 0)).isEqualTo(Decision.allowed(limit, 1, 0));
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void fractionsOfTheIntervalAreRoundedUpOnlyInTheWait(Algorithm a) {
    Limit limit = Limit.builder("3/second").algorithm(a).build(); // T = 333,333⅓ µs
    Harness h = Harness.of(limit);
    h.acquire(0, 3);
    assertThat(h.reserve(0, 1, SECOND).waitMicros()).isEqualTo(333_334);
    assertThat(h.reserve(0, 1, SECOND).waitMicros()).isEqualTo(666_667);
    assertThat(h.reserve(0, 1, SECOND).waitMicros()).isEqualTo(1_000_000);
    assertThat(h.reserve(0, 1, SECOND).decision().retryAfterMicros()).isEqualTo(1_333_334);
  }

  @Test
  void theWaitIsBoundedSoEveryValueStaysExact() {
    // 2^52 - ceil(b×T) binds: a bucket refilled once a century.
    Limit century = Limit.ofMicros(1, 3_153_600_000_000_000L);
    Transition t = Transition.of(century);
    assertThat(t.maxWaitMicros()).isEqualTo((1L << 52) - 3_153_600_000_000_000L);
    Harness h = Harness.of(century);
    h.acquire(0, 1);
    Reservation r = h.reserve(0, 1, Long.MAX_VALUE); // due in a century: beyond the bound
    assertThat(r.decision().allowed()).isFalse();
    assertThat(r.decision().retryAfterMicros()).isEqualTo(3_153_600_000_000_000L);

    // floor((floor(2^53 / c) - b) × T) binds: burst × c is already 2^53, no debt at all.
    Limit dense = Limit.builderOfMicros(1L << 26, 1).burst(1L << 27).build();
    assertThat(Transition.of(dense).maxWaitMicros()).isZero();
    Harness d = Harness.of(dense);
    d.acquire(0, 1L << 27);
    r = d.reserve(0, 1, Long.MAX_VALUE);
    assertThat(r.decision().allowed()).isFalse();
    assertThat(r.decision().retryAfterMicros()).isEqualTo(1);

    // 10/second, burst 1: c = 1, so the first term binds.
    assertThat(Transition.of(Limit.builder("10/second").burst(1).build()).maxWaitMicros())
        .isEqualTo((1L << 52) - 100_000);
    for (Algorithm w : new Algorithm[] {Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_LOG,
        Algorithm.SLIDING_WINDOW_COUNTER}) {
      assertThat(Transition.of(Limit.builder("10/second").algorithm(w).build()).maxWaitMicros())
          .isZero();
    }
  }

  @Test
  void tokenBucketDebtIsNegativeTokensAndAgreesWithGcraWhenTheClockMovesBack() {
    Limit bucket = Limit.perSecond(1);
    Harness tb = Harness.of(bucket);
    Harness gcra = Harness.of(bucket.toBuilder().algorithm(Algorithm.GCRA).build());
    for (Harness h : new Harness[] {tb, gcra}) {
      h.acquire(0, 1);
      assertThat(h.reserve(0, 1, 5 * SECOND).waitMicros()).isEqualTo(SECOND);
      assertThat(h.reserve(0, 1, 5 * SECOND).waitMicros()).isEqualTo(2 * SECOND);
    }
    assertThat(tb.states[0]).containsExactly(-2, 0, 0); // two tokens promised, none accrued
    assertThat(gcra.states[0]).containsExactly(3 * SECOND, 0); // tat = 3 s
    for (long now : new long[] {-SECOND / 2, 0, SECOND, 2_999_999, 3 * SECOND}) {
      for (long k : new long[] {0, 1, 2}) {
        assertThat(Result.of(gcra.peek(now, k))).as("%d permits at %d µs", k, now)
            .isEqualTo(Result.of(tb.peek(now, k)));
      }
    }
    assertThat(tb.peek(-SECOND / 2, 1)).isEqualTo(Decision.denied(bucket, 0, 3_500_000,
        3_500_000));
    // Refunding two at -0.5 s: tat 3 s - 2 s = 1 s.
    assertThat(tb.refund(-SECOND / 2, 2)).isEqualTo(Decision.allowed(bucket, 0, 1_500_000));
    assertThat(gcra.refund(-SECOND / 2, 2)).isEqualTo(Decision.allowed(
        bucket.toBuilder().algorithm(Algorithm.GCRA).build(), 0, 1_500_000));
    assertThat(tb.states[0]).containsExactly(0, 0, 0);
    assertThat(gcra.states[0]).containsExactly(SECOND, 0);
    // Refunding more than the debt stops at now: no state (full), however many.
    assertThat(tb.refund(0, Long.MAX_VALUE)).isEqualTo(Decision.allowed(bucket, 1, 0));
    assertThat(gcra.refund(0, Long.MAX_VALUE).remaining()).isEqualTo(1);
  }

  @Test
  void refundReportsWhetherTheLimitStillHoldsState() {
    long[] fixed = {0, 3}; // window [0, 1 s), 3 used
    Transition fw =
        Transition.of(Limit.builder("5/second").algorithm(Algorithm.FIXED_WINDOW).build());
    assertThat(fw.refund(fixed, 0, 500_000, 2)).isTrue();
    assertThat(fixed).containsExactly(0, 1);
    assertThat(fw.refund(fixed, 0, 500_000, 7)).isFalse();
    assertThat(fixed).containsExactly(0, 0);
    long[] over = {0, 3};
    assertThat(fw.refund(over, 0, SECOND, 2)).isFalse(); // counted in a window that is over
    assertThat(over).containsExactly(0, 3);
    assertThat(fw.refund(null, 0, 0, 2)).isFalse();

    Transition swc = Transition.of(
        Limit.builder("5/second").algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build());
    long[] counter = {SECOND, 4, 2}; // previous window 4, current 2
    assertThat(swc.refund(counter, 0, 1_500_000, 5)).isTrue(); // the previous still weighs
    assertThat(counter).containsExactly(SECOND, 4, 0);
    long[] previous = {0, 0, 3};
    assertThat(swc.refund(previous, 0, 1_500_000, 3)).isTrue(); // over: untouched, still weighs
    assertThat(previous).containsExactly(0, 0, 3);

    Transition log =
        Transition.of(Limit.builder("5/second").algorithm(Algorithm.SLIDING_WINDOW_LOG).build());
    long[] entries = {2, 8, 100_000, 1, 200_000, 2, 300_000, 2, 0, 0}; // at 0.1, 0.2, 0.3 s
    assertThat(log.refund(entries, 0, 1_150_000, 3)).isTrue(); // the newest first: 0.3 s, then 0.2 s
    assertThat(entries[1]).isEqualTo(6);
    assertThat(entries[5]).isEqualTo(1);
    assertThat(log.refund(entries, 0, 1_150_000, 9)).isFalse(); // 0.1 s has left the window
    assertThat(entries[1]).isEqualTo(4);
    assertThat(entries[3]).isEqualTo(1);
  }
}
