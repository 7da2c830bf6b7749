package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.memory.MemoryBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimiterArgumentsTest {
  private final ManualClock clock = new ManualClock();
  private final RateLimiter limiter = RateLimiter.create(
      MemoryBackend.builder().clock(clock).build(), List.of(Limit.perSecond(2)));

  @Test
  void nullKeyIsRejectedAtTheCall() {
    assertThatThrownBy(() -> limiter.tryAcquire(null))
        .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
    assertThatThrownBy(() -> limiter.tryAcquireAsync(null, 1))
        .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
  }

  @Test
  void emptyKeyIsRejected() {
    assertThatThrownBy(() -> limiter.tryAcquire(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
  }

  @Test
  void negativePermitsAreRejectedNotClamped() {
    assertThatThrownBy(() -> limiter.tryAcquire("k", -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 0, was -1");
    assertThat(limiter.tryAcquire("k", 2).remaining()).isZero(); // nothing was consumed by -1
  }

  @Test
  void limitsMustBeGiven() {
    MemoryBackend backend = MemoryBackend.create();
    assertThatThrownBy(() -> RateLimiter.create(backend, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limits must not be empty: give at least one Limit");
    assertThatThrownBy(() -> RateLimiter.inMemory(Limit.perSecond(1), (Limit) null))
        .isInstanceOf(NullPointerException.class).hasMessage("limits[1] must not be null");
  }

  @Test
  void aDenialIsAValueWithEveryNumberAClientNeeds() {
    limiter.tryAcquire("k", 2);
    Decision d = limiter.tryAcquire("k");
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
    assertThat(d.limitName()).isEqualTo("2/second");
    assertThat(d.retryAfter()).hasMillis(500);
    assertThat(d.resetAfter()).hasMillis(1000);
    assertThat(d.degraded()).isFalse();
  }

  @Test
  void permitsThatCanNeverFitAreDeniedForever() {
    Decision d = limiter.tryAcquire("k", 3);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Decision.Reason.PERMITS_EXCEED_CAPACITY);
    assertThat(d.retryAfter()).isEqualTo(Decision.NEVER);
    assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
  }

  @Test
  void theInMemoryQuickStartWorks() {
    RateLimiter quick = RateLimiter.inMemory(Limit.parseAll("10/second;1000/day"));
    assertThat(quick.tryAcquire("user:42").allowed()).isTrue();
    assertThat(quick.limits()).hasSize(2);
  }
}
