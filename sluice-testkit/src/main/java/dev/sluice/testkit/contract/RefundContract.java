package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.spi.KeyedLimits;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RateLimiter#refund} and {@link KeyedLimits#refund}: permits given back to every limit of
 * a key, never beyond what a limit holds when full, and the key's zero-permit check afterwards.
 *
 * <p>TOKEN_BUCKET and GCRA move the bucket forward by {@code permits × T} (debt first), at most to
 * full. FIXED_WINDOW and SLIDING_WINDOW_COUNTER subtract from the count of the current window, at
 * least to 0; permits counted in a window that is over are not returned, and the counter's
 * previous window keeps its weight. SLIDING_WINDOW_LOG drops its newest entries still in the
 * window first. A key without state is left without state.
 */
public abstract class RefundContract extends AbstractContract {

  private static Decision refund(KeyedLimits limits, String key, long permits) {
    Decision d = limits.refund(key, permits);
    assertThat(d.allowed()).as("a refund answers with a check: %s", d).isTrue();
    assertThat(d.degraded()).isFalse();
    return d;
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aBucketRefundMovesTheBucketForwardAtMostToFull(Algorithm algorithm) {
    // T = 200 ms
    KeyedLimits limits = keyedLimits(Limit.builder("5/second").algorithm(algorithm).build());
    String key = newKey();
    at(0);
    assertAllowed(limits.acquire(key, 3), 2, 600_000);
    assertAllowed(refund(limits, key, 2), 4, 200_000);
    assertAllowed(refund(limits, key, 5), 5, 0); // full: never more than the burst
    assertAllowed(limits.acquire(key, 5), 0, SECOND);
    assertDenied(limits.acquire(key, 1), 0, SECOND, 200_000);
    at(100_000);
    assertAllowed(refund(limits, key, 1), 1, 700_000);
    assertAllowed(limits.acquire(key, 1), 0, 900_000);
    assertAllowed(refund(limits, key, Long.MAX_VALUE), 5, 0);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aRefundPaysBackDebtFirst(Algorithm algorithm) {
    KeyedLimits limits =
        keyedLimits(Limit.builder("10/second").burst(1).algorithm(algorithm).build());
    String key = newKey();
    at(0);
    for (int i = 0; i < 3; i++) {
      assertThat(limits.reserve(key, 1, SECOND).waitMicros()).isEqualTo(i * 100_000L);
    }
    assertAllowed(refund(limits, key, 1), 0, 200_000); // due at 300 ms, now 200 ms
    assertThat(limits.reserve(key, 1, SECOND).waitMicros()).isEqualTo(200_000);
    assertAllowed(refund(limits, key, Long.MAX_VALUE), 1, 0);
    assertThat(limits.reserve(key, 1, SECOND).waitMicros()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRefundNeverGivesMoreThanTheCapacity(Algorithm algorithm) {
    Key key = key(Limit.builder("4/second").algorithm(algorithm).build());
    at(0);
    assertThat(key.acquire().allowed()).isTrue();
    Decision check = key.check();
    assertThat(key.limiter().refund(key.name(), 0)).as("a refund of nothing").isEqualTo(check);
    assertAllowed(key.limiter().refund(key.name(), 100), 4, 0);
    Decision d = key.acquire(4);
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isZero();
    assertThat(key.acquire().allowed()).as("a fifth permit").isFalse();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRefundOfAKeyWithoutStateIsANoOpThatCreatesNothing(Algorithm algorithm) {
    Limit limit = Limit.builder("4/second").algorithm(algorithm).build();
    Key key = key(limit);
    at(0);
    assertAllowed(key.limiter().refund(key.name(), 3), 4, 0);
    assertAllowed(refund(keyedLimits(limit), newKey(), 3), 4, 0);
    assertThat(key.acquire(4).allowed()).isTrue();
    assertThat(key.acquire().allowed()).as("no permit beyond the 4 of a fresh key").isFalse();

    // A key whose state has expired (all limits full again by 2 s) has no state either.
    at(2 * SECOND);
    assertAllowed(key.limiter().refund(key.name(), 3), 4, 0);
    assertThat(key.acquire(4).allowed()).isTrue();
    assertThat(key.acquire().allowed()).isFalse();
  }

  @Test
  void aFixedWindowRefundsOnlyItsCurrentWindow() {
    Key key = key(Limit.builder("3/second").algorithm(Algorithm.FIXED_WINDOW).build());
    RateLimiter limiter = key.limiter();
    at(0);
    assertAllowed(key.acquire(3), 0, SECOND);
    assertAllowed(limiter.refund(key.name(), 2), 2, SECOND);
    assertAllowed(limiter.refund(key.name(), 5), 3, 0); // at least 0 used
    assertAllowed(key.acquire(3), 0, SECOND);
    at(SECOND); // the 3 were counted in a window that is over: nothing to give back
    assertAllowed(limiter.refund(key.name(), 2), 3, 0);
    assertAllowed(key.acquire(3), 0, SECOND);
    assertDenied(key.acquire(), 0, SECOND, SECOND);
    at(1_600_000);
    assertAllowed(limiter.refund(key.name(), 1), 1, 400_000);
    assertAllowed(key.acquire(), 0, 400_000);
  }

  @Test
  void aSlidingWindowCounterRefundsOnlyTheCurrentWindowsCount() {
    Key key = key(Limit.builder("4/second").algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build());
    RateLimiter limiter = key.limiter();
    at(0);
    assertAllowed(key.acquire(4), 0, 2 * SECOND);
    at(1_500_000); // the previous window's 4 weigh ceil(4 × 0.5) = 2
    assertAllowed(key.check(), 2, 500_000);
    assertAllowed(limiter.refund(key.name(), 3), 2, 500_000); // counted in a window that is over
    assertAllowed(key.acquire(2), 0, 1_500_000);
    assertAllowed(limiter.refund(key.name(), 1), 1, 1_500_000);
    assertAllowed(limiter.refund(key.name(), 5), 2, 500_000); // the previous window still weighs
    assertAllowed(key.acquire(2), 0, 1_500_000);
    assertDenied(key.acquire(), 0, 1_500_000, 250_000);
  }

  @Test
  void aSlidingWindowLogGivesBackItsNewestPermitsFirst() {
    Key key = key(Limit.builder("4/second").algorithm(Algorithm.SLIDING_WINDOW_LOG).build());
    RateLimiter limiter = key.limiter();
    at(0);
    assertAllowed(key.acquire(2), 2, SECOND);
    at(400_000);
    assertAllowed(key.acquire(1), 1, SECOND);
    at(600_000);
    assertAllowed(key.acquire(1), 0, SECOND);
    at(700_000);
    // The permits of 0.6 s and 0.4 s go back; the 2 of 0 remain, leaving the log at 1 s.
    assertAllowed(limiter.refund(key.name(), 2), 2, 300_000);
    assertDenied(key.acquire(3), 2, 300_000, 300_000);
    assertAllowed(limiter.refund(key.name(), 1), 3, 300_000); // one of the two of 0
    assertAllowed(key.acquire(3), 0, SECOND);
    at(SECOND); // the permit left of 0 has left the window; the 3 of 0.7 s remain
    assertAllowed(key.check(), 1, 700_000);
    assertAllowed(limiter.refund(key.name(), 2), 3, 700_000);
  }

  @Test
  void aRefundGivesBackToEveryLimitOfTheKey() {
    Limit perSecond = Limit.parse("10/second").named("per-second");
    Limit perMinute =
        Limit.builder("5/minute").algorithm(Algorithm.FIXED_WINDOW).name("per-minute").build();
    Key key = key(perSecond, perMinute);
    RateLimiter limiter = key.limiter();
    at(0);
    Decision d = key.acquire(3); // per-second 7 left, per-minute 2
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 2, MINUTE);
    d = limiter.refund(key.name(), 2); // per-second 9, per-minute 4
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 4, MINUTE);
    d = key.acquire(4); // per-second 5, per-minute 0
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 0, MINUTE);
    d = key.acquire();
    assertDecidedBy(d, perMinute);
    assertDenied(d, 0, MINUTE, MINUTE);
    d = limiter.refund(key.name(), 10); // both full again
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 5, 0);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aRefundShortensTheKeysLifetime(Algorithm algorithm) throws Exception {
    KeyedLimits limits = keyedLimits(Limit.builder("1/second").algorithm(algorithm).build());
    String key = newKey();
    at(0);
    limits.acquire(key, 1);
    assertThat(limits.reserve(key, 1, 5 * SECOND).waitMicros()).isEqualTo(SECOND);
    Decision d = limits.refundAsync(key, 1).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertAllowed(d, 0, SECOND);
    at(SECOND);
    assertAllowed(limits.acquire(key, 0), 1, 0);
    assertThat(limits.reserve(key, 1, 5 * SECOND).waitMicros()).isZero();
  }

  @Test
  void invalidArgumentsAreRejectedAtTheCall() {
    Key key = key(Limit.perSecond(3));
    RateLimiter limiter = key.limiter();
    at(0);
    key.acquire(3);
    assertThatThrownBy(() -> limiter.refund(key.name(), -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 0, was -1");
    assertThatThrownBy(() -> limiter.refund(null, 1))
        .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
    assertThatThrownBy(() -> limiter.refund("", 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
    assertAllowed(key.check(), 0, SECOND); // nothing was given back
  }
}
