package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.Settlement;
import dev.sluice.Settlement.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RateLimiter#hold} and {@link RateLimiter#settle}: an estimate taken before the work as an
 * acquire takes it, settled once with the actual cost. Settling less refunds the difference
 * (exactly {@link RateLimiter#refund}), more records it past the limit (exactly {@link
 * RateLimiter#record}: buckets go into debt), equal changes nothing. A hold settles at most once,
 * also under racing settles; settling it again, or settling an unknown or expired hold, changes
 * nothing and says so. Each test compares a held key with a twin key given the same plain
 * operations.
 */
public abstract class HoldContract extends AbstractContract {

  private static final Duration MINUTE_TIMEOUT = Duration.ofMinutes(1);

  private static Hold hold(Key key, long estimate) {
    Hold h = key.limiter().hold(key.name(), estimate, MINUTE_TIMEOUT);
    assertThat(h.decision().degraded()).as("degraded flag of %s", h.decision()).isFalse();
    assertThat(h.key()).isEqualTo(key.name());
    assertThat(h.estimate()).isEqualTo(estimate);
    return h;
  }

  private static Settlement settle(Key key, Hold hold, long actual) {
    Settlement s = key.limiter().settle(hold, actual);
    assertThat(s.decision().degraded()).as("degraded flag of %s", s.decision()).isFalse();
    assertThat(s.actual()).isEqualTo(actual);
    return s;
  }

  private Key twin(Key key) {
    return new Key(key.limiter(), newKey());
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aHoldIsAnAcquireWithAnId(Algorithm algorithm) {
    Key held = key(Limit.builder("10/second").algorithm(algorithm).build());
    Key twin = twin(held);
    at(0);
    Hold h = hold(held, 4);
    assertThat(h.held()).isTrue();
    assertThat(h.id()).hasSizeGreaterThanOrEqualTo(22);
    assertThat(h.decision()).isEqualTo(twin.acquire(4));
    assertThat(hold(held, 6).id()).isNotEqualTo(h.id());
    twin.acquire(6);
    assertThat(held.check()).isEqualTo(twin.check());
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRefusedHoldTakesNothingAndCannotBeSettled(Algorithm algorithm) {
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    key.acquire(8);
    Decision before = key.check();
    Hold h = hold(key, 3);
    assertThat(h.held()).isFalse();
    assertThat(h.id()).isNull();
    assertThat(h.decision().allowed()).isFalse();
    assertThat(key.check()).isEqualTo(before);
    assertThatThrownBy(() -> key.limiter().settle(h, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not held");
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void settlingLessRefundsTheDifference(Algorithm algorithm) {
    Key held = key(Limit.builder("10/second").algorithm(algorithm).build());
    Key twin = twin(held);
    at(0);
    Hold h = hold(held, 8);
    twin.acquire(8);
    at(100_000);
    Settlement s = settle(held, h, 3);
    assertThat(s.status()).isEqualTo(Status.SETTLED);
    assertThat(s.settled()).isTrue();
    assertThat(s.estimate()).isEqualTo(8);
    assertThat(s.decision()).isEqualTo(twin.limiter().refund(twin.name(), 5));
    assertThat(held.check()).isEqualTo(twin.check());
    assertThat(held.acquire(7)).isEqualTo(twin.acquire(7));
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void settlingMoreTakesTheDifferencePastTheLimit(Algorithm algorithm) {
    Key held = key(Limit.builder("10/second").algorithm(algorithm).build());
    Key twin = twin(held);
    at(0);
    Hold h = hold(held, 6);
    twin.acquire(6);
    at(100_000);
    Settlement s = settle(held, h, 15);
    assertThat(s.status()).isEqualTo(Status.SETTLED);
    assertThat(s.decision().allowed()).isFalse();
    assertThat(s.decision()).isEqualTo(twin.limiter().record(twin.name(), 9));
    assertThat(held.check()).isEqualTo(twin.check());
    assertThat(held.acquire()).isEqualTo(twin.acquire());
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aBucketSettledPastItsLimitIsInDebtUntilPaidOff(Algorithm algorithm) {
    // T = 100 ms; full bucket of 10
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    Hold h = hold(key, 5);
    assertAllowed(h.decision(), 5, 500_000);
    // 15 in all from a full bucket: 5 in debt, one more permit due in 6 × T
    assertDenied(settle(key, h, 15).decision(), 0, 1_500_000, 600_000);
    assertDenied(key.acquire(), 0, 1_500_000, 600_000);
    at(599_999);
    assertDeniedForOneMoreMicrosecond(key.acquire());
    at(600_000);
    assertAllowed(key.acquire(), 0, SECOND);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void settlingTheEstimateChangesNothing(Algorithm algorithm) {
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    Hold h = hold(key, 4);
    at(1_000);
    Decision before = key.check();
    Settlement s = settle(key, h, 4);
    assertThat(s.status()).isEqualTo(Status.SETTLED);
    assertThat(s.decision()).isEqualTo(before);
    assertThat(key.check()).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aHoldSettlesOnce(Algorithm algorithm) {
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    Hold h = hold(key, 6);
    assertThat(settle(key, h, 2).status()).isEqualTo(Status.SETTLED);
    Decision after = key.check();
    Settlement again = settle(key, h, 0);
    assertThat(again.status()).isEqualTo(Status.ALREADY_SETTLED);
    assertThat(again.settled()).isFalse();
    assertThat(again.estimate()).isEqualTo(6);
    assertThat(again.decision()).isEqualTo(after);
    assertThat(settle(key, h, 50).status()).isEqualTo(Status.ALREADY_SETTLED);
    assertThat(key.check()).isEqualTo(after);
  }

  @Test
  void anUnknownHoldChangesNothing() {
    Key key = key(Limit.of(10, Duration.ofSeconds(1)));
    Key other = twin(key);
    at(0);
    Hold h = hold(key, 6);
    Decision before = key.check();
    Settlement s = key.limiter().settle(key.name(), "no-such-hold", 0);
    assertThat(s.status()).isEqualTo(Status.UNKNOWN);
    assertThat(s.estimate()).isZero();
    assertThat(s.decision()).isEqualTo(before);
    // a hold's id under another key is unknown there, and stays open under its own
    assertThat(key.limiter().settle(other.name(), h.id(), 0).status()).isEqualTo(Status.UNKNOWN);
    assertThat(other.check()).isEqualTo(twin(key).check());
    assertThat(key.check()).isEqualTo(before);
    assertThat(settle(key, h, 6).status()).isEqualTo(Status.SETTLED);
  }

  @Test
  void aHoldOfAnotherLimiterIsUnknown() {
    Key key = key(Limit.of(10, Duration.ofSeconds(1)));
    RateLimiter other = limiter(Limit.of(20, Duration.ofSeconds(1)));
    at(0);
    Hold h = hold(key, 6);
    assertThat(other.settle(key.name(), h.id(), 0).status()).isEqualTo(Status.UNKNOWN);
    assertThat(settle(key, h, 0).status()).isEqualTo(Status.SETTLED);
  }

  /**
   * A hold never settled counts at its estimate; after its timeout it is unknown. (In process the
   * timeout runs on the backend's clock; in Redis on Redis's, as its keys' TTLs: the test moves
   * both.)
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void anExpiredHoldKeepsItsEstimateAndIsUnknown(Algorithm algorithm) throws Exception {
    Key held = key(Limit.builder("10/hour").algorithm(algorithm).build());
    Key twin = twin(held);
    at(0);
    Hold h = held.limiter().hold(held.name(), 7, Duration.ofMillis(200));
    twin.acquire(7);
    at(200_000);
    TimeUnit.MILLISECONDS.sleep(400);
    Settlement s = settle(held, h, 0);
    assertThat(s.status()).isEqualTo(Status.UNKNOWN);
    assertThat(held.check()).isEqualTo(twin.check());
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aHoldOfNothingRecordsTheWholeActualCost(Algorithm algorithm) {
    Key held = key(Limit.builder("10/second").algorithm(algorithm).build());
    Key twin = twin(held);
    at(0);
    Hold h = hold(held, 0);
    assertThat(h.held()).isTrue();
    assertThat(settle(held, h, 4).decision())
        .isEqualTo(twin.limiter().record(twin.name(), 4));
    assertThat(held.check()).isEqualTo(twin.check());
  }

  @Test
  void everyLimitOfTheKeyIsAdjusted() {
    Limit perSecond = Limit.builder(10, Duration.ofSeconds(1)).name("second").build();
    Limit perMinute = Limit.builder(100, Duration.ofMinutes(1)).name("minute")
        .algorithm(Algorithm.FIXED_WINDOW).build();
    RateLimiter limiter = limiter(perSecond, perMinute);
    Key held = new Key(limiter, newKey());
    Key twin = new Key(limiter, newKey());
    at(0);
    Hold h = hold(held, 9);
    twin.acquire(9);
    assertThat(settle(held, h, 1).decision()).isEqualTo(limiter.refund(twin.name(), 8));
    assertThat(held.check()).isEqualTo(twin.check());
    Hold big = hold(held, 5);
    twin.acquire(5);
    assertThat(settle(held, big, 30).decision()).isEqualTo(limiter.record(twin.name(), 25));
    assertThat(held.check()).isEqualTo(twin.check());
  }

  @Test
  void theAsyncFormsAgree() throws Exception {
    Key held = key(Limit.of(10, Duration.ofSeconds(1)));
    Key twin = twin(held);
    at(0);
    Hold h = held.limiter().holdAsync(held.name(), 5, MINUTE_TIMEOUT)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(h.decision()).isEqualTo(twin.acquire(5));
    Settlement s = held.limiter().settleAsync(held.name(), h.id(), 2)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(s.status()).isEqualTo(Status.SETTLED);
    assertThat(s.decision()).isEqualTo(twin.limiter().refund(twin.name(), 3));
  }

  @Test
  void badArgumentsAreRefusedBeforeAnythingIsTaken() {
    Key key = key(Limit.of(10, Duration.ofSeconds(1)));
    RateLimiter limiter = key.limiter();
    at(0);
    Decision before = key.check();
    assertThatThrownBy(() -> limiter.hold(key.name(), -1, MINUTE_TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permits must be >= 0");
    assertThatThrownBy(() -> limiter.hold(key.name(), 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> limiter.hold(key.name(), 1, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    Hold h = hold(key, 3);
    assertThatThrownBy(() -> limiter.settle(h, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actual must be >= 0");
    assertThatThrownBy(() -> limiter.settle(key.name(), "", 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holdId");
    assertThat(settle(key, h, 3).status()).isEqualTo(Status.SETTLED);
    key.acquire(0);
    limiter.refund(key.name(), 3);
    assertThat(key.check()).isEqualTo(before);
  }

  @Test
  void racingSettlesOfOneHoldAdjustOnce() throws Exception {
    Key key = key(Limit.builder(1_000, Duration.ofHours(1)).algorithm(Algorithm.FIXED_WINDOW)
        .build());
    at(0);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 20; round++) {
        Hold h = hold(key, 10);
        List<Callable<Settlement>> settles = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          settles.add(() -> key.limiter().settle(h, 4));
        }
        int settled = 0;
        for (Future<Settlement> f : pool.invokeAll(settles)) {
          Settlement s = f.get(30, TimeUnit.SECONDS);
          settled += s.settled() ? 1 : 0;
          assertThat(s.status()).isIn(Status.SETTLED, Status.ALREADY_SETTLED);
        }
        assertThat(settled).as("settles that adjusted in round %d", round).isEqualTo(1);
      }
      // 20 holds of 10, each settled once at 4
      assertAllowed(key.check(), 1_000 - 20 * 4, HOUR);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentHoldsAndSettlesCountExactly() throws Exception {
    Key key = key(Limit.builder(10_000, Duration.ofHours(1)).algorithm(Algorithm.FIXED_WINDOW)
        .build());
    at(0);
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Long>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long actual = 3 + 2 * t; // 3..17 against an estimate of 10: refunds and records
        work.add(() -> {
          long used = 0;
          for (int i = 0; i < perThread; i++) {
            Hold h = key.limiter().hold(key.name(), 10, MINUTE_TIMEOUT);
            assertThat(h.held()).isTrue();
            assertThat(key.limiter().settle(h, actual).settled()).isTrue();
            used += actual;
          }
          return used;
        });
      }
      long used = 0;
      for (Future<Long> f : pool.invokeAll(work)) {
        used += f.get(60, TimeUnit.SECONDS);
      }
      assertAllowed(key.check(), 10_000 - used, HOUR);
    } finally {
      pool.shutdownNow();
    }
  }
}
