package dev.sluice.eventual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Changed limits on the eventual mode: the shared store's limiter inherits from the
 * predecessor's, so what a key used reaches the new limits through the store; the instance's
 * local view starts afresh.
 */
class EventualChangedLimitsTest {

  private static final long T0 = 1_700_006_400_000_000L;

  private final ManualClock clock = new ManualClock(T0);
  private final MemoryBackend global = MemoryBackend.builder().clock(clock).build();
  private final EventualBackend eventual = EventualBackend.builder(global).clock(clock)
      .manualSync().firstSight(FirstSight.SYNC).build();

  @AfterEach
  void close() {
    eventual.close();
    global.close();
  }

  private static List<Limit> perMinute(long count) {
    return List.of(Limit.builder(count + "/minute").algorithm(Algorithm.FIXED_WINDOW).build());
  }

  @Test
  void whatAKeyUsedCarriesOverThroughTheSharedStore() {
    RateLimiter old = RateLimiter.create(eventual, perMinute(10));
    assertThat(old.tryAcquire("k", 7).allowed()).isTrue();
    eventual.syncNow().toCompletableFuture().join(); // the 7 reach the store

    RateLimiter raised = RateLimiter.builder(perMinute(12)).backend(eventual)
        .predecessor(old).build();
    // first sight asks the store, whose limiter took the key's 7 from the predecessor's
    assertThat(raised.tryAcquire("k", 6).allowed()).isFalse();
    assertThat(raised.tryAcquire("k", 5).allowed()).isTrue();
    eventual.syncNow().toCompletableFuture().join();
    assertThat(raised.tryAcquire("k", 1).allowed()).isFalse();

    RateLimiter lowered = RateLimiter.builder(perMinute(5)).backend(eventual)
        .predecessor(raised).build();
    assertThat(lowered.tryAcquire("k", 1).allowed()).isFalse();
  }

  @Test
  void aPredecessorOfAnotherBackendIsRefused() {
    RateLimiter elsewhere = RateLimiter.create(global, perMinute(10));
    assertThatThrownBy(() -> RateLimiter.builder(perMinute(12)).backend(eventual)
        .predecessor(elsewhere).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same backend");
  }
}
