package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.memory.MemoryBackend;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one rule for the deciding answer, and a backend reporting by it. */
class DecidingLimitTest {

  private static final Limit L = Limit.perSecond(10);

  private static Decision allowed(long remaining, long reset) {
    return Decision.allowed(L, remaining, reset);
  }

  private static Decision denied(long retry) {
    return Decision.denied(L, 0, 1_000_000, retry);
  }

  @Test
  void whenAllowedTheFewestRemainingDecidesThenTheLaterResetThenTheEarlier() {
    assertThat(DecidingLimit.index(List.of(allowed(5, 10), allowed(3, 10), allowed(4, 99)), false))
        .isEqualTo(1);
    assertThat(DecidingLimit.index(List.of(allowed(3, 10), allowed(3, 20), allowed(3, 15)), false))
        .isEqualTo(1);
    assertThat(DecidingLimit.index(List.of(allowed(3, 10), allowed(3, 10)), false)).isZero();
  }

  @Test
  void whenDeniedTheLongestWaitAmongDenialsDecidesTiesKeepTheEarlier() {
    assertThat(DecidingLimit.index(List.of(allowed(0, 99), denied(5), denied(7), denied(7)), true))
        .isEqualTo(2);
    assertThat(DecidingLimit.index(List.of(denied(5), allowed(0, 1_000_000_000L)), true)).isZero();
    assertThat(DecidingLimit.index(List.of(denied(5), denied(Long.MAX_VALUE)), true)).isEqualTo(1);
  }

  @Test
  void noCandidatesIsAnError() {
    assertThatThrownBy(() -> DecidingLimit.index(List.of(), false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aKeysLimitsAreReportedByTheSameRule() {
    ManualClock clock = new ManualClock(0);
    try (MemoryBackend backend = MemoryBackend.builder().clock(clock).build()) {
      // 2 per second and 2 per minute: equally tight after one request; the minute refills later
      Limit second = Limit.perSecond(2).named("second");
      Limit minute = Limit.perMinute(2).named("minute");
      RateLimiter limiter = RateLimiter.create(backend, List.of(second, minute));
      Decision d = limiter.tryAcquire("k");
      assertThat(d.remaining()).isEqualTo(1);
      assertThat(d.limitName()).isEqualTo("minute");
      limiter.tryAcquire("k");
      clock.advance(Duration.ofSeconds(1));
      Decision denied = limiter.tryAcquire("k");
      assertThat(denied.allowed()).isFalse();
      assertThat(denied.limitName()).isEqualTo("minute");
    }
  }
}
