package dev.sluice.testkit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.memory.MemoryBackend.WhenFull;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the in-memory backend promises beyond the contract: state expires by itself exactly when
 * it equals "no state", the store is bounded without ever evicting live keys, and close() ends it.
 */
class MemoryBackendTest {

  private static final long T0 = 1_700_006_400_000_000L;
  private static final long SECOND = 1_000_000L;

  private final ManualClock clock = new ManualClock(T0);
  private MemoryBackend backend = MemoryBackend.builder().clock(clock).build();

  @AfterEach
  void close() {
    backend.close();
  }

  private void at(long micros) {
    clock.setMicros(T0 + micros);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aKeyIsRemovedExactlyWhenItsResetAfterHasPassed(Algorithm algorithm) {
    RateLimiter limiter = RateLimiter.create(backend,
        List.of(Limit.builder("3/second").algorithm(algorithm).build()));
    at(0);
    long resetAfter = 0;
    for (int i = 0; i < 10; i++) {
      resetAfter = limiter.tryAcquire("key" + i).resetAfterMicros();
    }
    assertThat(backend.size()).isEqualTo(10);

    at(resetAfter - 1);
    backend.cleanUp();
    assertThat(backend.size()).as("a µs before resetAfter").isEqualTo(10);
    assertThat(backend.expirations()).isZero();

    at(resetAfter);
    backend.cleanUp();
    assertThat(backend.size()).isZero();
    assertThat(backend.expirations()).isEqualTo(10);
    // Removing them changed no answer: each key is fresh.
    assertThat(limiter.tryAcquire("key0", 0).remaining()).isEqualTo(3);
  }

  @Test
  void requestsThatTakeNothingStoreNothing() {
    RateLimiter limiter = RateLimiter.create(backend, List.of(Limit.perSecond(3)));
    at(0);
    assertThat(limiter.tryAcquire("checked", 0).allowed()).isTrue();
    assertThat(limiter.tryAcquire("too-big", 4).reason())
        .isEqualTo(Decision.Reason.PERMITS_EXCEED_CAPACITY);
    assertThat(backend.size()).isZero();
    limiter.tryAcquire("taker");
    assertThat(backend.size()).isEqualTo(1);
  }

  @Test
  void insertingNewKeysSweepsExpiredOnesWithoutCleanUp() {
    RateLimiter limiter = RateLimiter.create(backend, List.of(Limit.perSecond(3)));
    at(0);
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire("old" + i);
    }
    at(SECOND);
    for (int i = 0; i < 40; i++) {
      limiter.tryAcquire("new" + i);
    }
    assertThat(backend.expirations()).isEqualTo(10);
    assertThat(backend.size()).isEqualTo(40);
  }

  @Test
  void whenFullOfLiveKeysANewKeyIsDeniedAndNoLiveKeyIsEvictedOrReset() {
    backend = MemoryBackend.builder().clock(clock).maxKeys(3).whenFull(WhenFull.DENY).build();
    Limit limit = Limit.perSecond(3);
    RateLimiter limiter = RateLimiter.create(backend, List.of(limit));
    at(0);
    for (String key : List.of("a", "b", "c")) {
      assertThat(limiter.tryAcquire(key).remaining()).isEqualTo(2);
    }

    Decision d = limiter.tryAcquire("d");
    assertThat(d.allowed()).isFalse();
    assertThat(d.degraded()).isTrue();
    assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_FULL);
    assertThat(d.limit()).isEqualTo(limit);
    assertThat(d.remaining()).isZero();
    assertThat(d.retryAfterMicros()).isEqualTo(SECOND);
    assertThat(backend.rejectedWhenFull()).isEqualTo(1);
    assertThat(backend.size()).isEqualTo(3);

    // Requests that store nothing are answered normally.
    assertThat(limiter.tryAcquire("d", 0)).isEqualTo(Decision.allowed(limit, 3, 0));
    assertThat(limiter.tryAcquire("d", 4).reason())
        .isEqualTo(Decision.Reason.PERMITS_EXCEED_CAPACITY);
    assertThat(limiter.tryAcquire("d", 4).degraded()).isFalse();

    // The live keys keep counting where they were.
    assertThat(limiter.tryAcquire("a").remaining()).isEqualTo(1);
    assertThat(limiter.tryAcquire("a").remaining()).isZero();
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
    assertThat(limiter.tryAcquire("b").remaining()).isEqualTo(1);

    // Once their state has expired, room is made for new keys.
    at(SECOND);
    d = limiter.tryAcquire("d");
    assertThat(d.allowed()).isTrue();
    assertThat(d.degraded()).isFalse();
    assertThat(d.remaining()).isEqualTo(2);
    assertThat(backend.size()).isEqualTo(1);
    assertThat(backend.expirations()).isEqualTo(3);
  }

  @Test
  void whenFullAndAllowingANewKeyIsAdmittedUntrackedAndFlaggedDegraded() {
    backend = MemoryBackend.builder().clock(clock).maxKeys(3).whenFull(WhenFull.ALLOW).build();
    Limit limit = Limit.perSecond(3);
    RateLimiter limiter = RateLimiter.create(backend, List.of(limit));
    at(0);
    for (String key : List.of("a", "b", "c")) {
      limiter.tryAcquire(key, 3);
    }
    for (int i = 0; i < 10; i++) { // far beyond the limit: the key is not tracked
      Decision d = limiter.tryAcquire("d");
      assertThat(d.allowed()).isTrue();
      assertThat(d.degraded()).isTrue();
      assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_FULL);
      assertThat(d.remaining()).isEqualTo(3);
    }
    assertThat(backend.rejectedWhenFull()).isEqualTo(10);
    assertThat(backend.size()).isEqualTo(3);
    // Live keys are still limited.
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
    assertThat(limiter.tryAcquire("a").degraded()).isFalse();
  }

  @Test
  void closeDropsAllStateAndEndsEveryLimiter() {
    RateLimiter limiter = RateLimiter.create(backend, List.of(Limit.perSecond(3)));
    limiter.tryAcquire("a");
    limiter.tryAcquire("b");
    backend.close();
    assertThat(backend.size()).isZero();
    assertThatThrownBy(() -> limiter.tryAcquire("a")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> RateLimiter.create(backend, List.of(Limit.perSecond(3))))
        .isInstanceOf(IllegalStateException.class);
  }

  /**
   * CORE BUG (reported): a denied multi-limit request sets the key's expiry from the resetAfter
   * its admitting limits would have had after taking the permits, so the key outlives its state.
   * Only memory is wasted; no answer changes, and the key's next request sets its expiry right.
   */
  @Test
  void aDenialDoesNotExtendTheKeysLifetime() {
    RateLimiter limiter = RateLimiter.create(backend,
        List.of(Limit.perSecond(1), Limit.perMinute(10)));
    at(0);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue(); // state gone at 6 s (per-minute)
    at(SECOND / 2);
    // Denied by per-second; per-minute would have admitted, with a reset of 12 s after taking.
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    at(6 * SECOND);
    backend.cleanUp();
    assertThat(backend.size()).as("keys stored at 6 s").isZero(); // is 1 until 12 s
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRefundThatLeavesNoStateAndAResetDropTheKeyAndNoRefundCreatesOne(Algorithm algorithm) {
    RateLimiter limiter = RateLimiter.create(backend,
        List.of(Limit.builder("3/second").algorithm(algorithm).build()));
    at(0);
    limiter.refund("unknown", 2);
    assertThat(backend.size()).as("a refund of an unknown key").isZero();
    limiter.tryAcquire("a", 2);
    limiter.tryAcquire("b");
    assertThat(backend.size()).isEqualTo(2);
    limiter.refund("a", 1);
    assertThat(backend.size()).as("one permit still taken").isEqualTo(2);
    limiter.refund("a", 5);
    assertThat(backend.size()).as("nothing left to remember of a").isEqualTo(1);
    limiter.reset("b");
    limiter.reset("b");
    assertThat(backend.size()).isZero();
    assertThat(backend.expirations()).isZero();
    assertThat(limiter.tryAcquire("a", 3).allowed()).isTrue();
    assertThat(limiter.tryAcquire("b", 3).allowed()).isTrue();
    assertThat(backend.size()).isEqualTo(2);
  }

  @Test
  void aRefundOfAWindowThatIsOverKeepsTheStateThatStillWeighs() {
    RateLimiter limiter = RateLimiter.create(backend,
        List.of(Limit.builder("4/second").algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build()));
    at(0);
    limiter.tryAcquire("k", 4);
    at(1_500_000);
    limiter.refund("k", 4); // counted in the previous window: nothing given back
    assertThat(backend.size()).isEqualTo(1);
    at(2 * SECOND - 1);
    backend.cleanUp();
    assertThat(backend.size()).isEqualTo(1);
    at(2 * SECOND);
    backend.cleanUp();
    assertThat(backend.size()).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aKeyInDebtExpiresExactlyWhenTheDebtIsPaid(Algorithm algorithm) {
    KeyedLimits limits =
        backend.open(List.of(Limit.builder("1/second").algorithm(algorithm).build()));
    at(0);
    limits.acquire("k", 1);
    assertThat(limits.reserve("k", 1, 5 * SECOND).waitMicros()).isEqualTo(SECOND);
    at(2 * SECOND - 1);
    backend.cleanUp();
    assertThat(backend.size()).isEqualTo(1);
    at(2 * SECOND);
    backend.cleanUp();
    assertThat(backend.size()).isZero();
    assertThat(backend.expirations()).isEqualTo(1);
  }

  @Test
  void whenFullAReservationForANewKeyIsAnsweredAsAnAcquire() {
    backend = MemoryBackend.builder().clock(clock).maxKeys(1).whenFull(WhenFull.DENY).build();
    Limit limit = Limit.perSecond(1);
    KeyedLimits limits = backend.open(List.of(limit));
    at(0);
    limits.acquire("a", 1);
    Reservation r = limits.reserve("b", 1, 10 * SECOND);
    assertThat(r.waitMicros()).isZero();
    assertThat(r.decision().degraded()).isTrue();
    assertThat(r.decision().reason()).isEqualTo(Decision.Reason.STORE_FULL);
    assertThat(backend.rejectedWhenFull()).isEqualTo(1);
    // The live key still reserves into debt.
    assertThat(limits.reserve("a", 1, 10 * SECOND).waitMicros()).isEqualTo(SECOND);
    assertThat(backend.size()).isEqualTo(1);
  }

  @Test
  void closeEndsReserveRefundAndReset() {
    KeyedLimits limits = backend.open(List.of(Limit.perSecond(3)));
    backend.close();
    assertThatThrownBy(() -> limits.reserve("a", 1, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> limits.refund("a", 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> limits.reset("a")).isInstanceOf(IllegalStateException.class);
  }
}
