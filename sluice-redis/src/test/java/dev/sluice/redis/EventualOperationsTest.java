package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.ManualSleeper;
import dev.sluice.RateLimiter;
import dev.sluice.Settlement;
import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The eventually consistent backend's reserve, refund and reset over a real Redis (its global
 * store), on a manual clock and manual syncs: reservations into local debt that the store then
 * carries for every instance, windows that reserve only what fits, refunds given back locally
 * before they reach the store, resets of the local view and the store, and owed permits kept
 * through a failed sync.
 */
class EventualOperationsTest {

  private static final long T0 = 1_700_000_000_000_000L;
  /** T = 100 ms. */
  private static final List<Limit> TEN_PER_SECOND = List.of(Limit.perSecond(10));
  private static RedisStandalone server;

  private final ManualClock clock = new ManualClock(T0);
  private final List<AutoCloseable> open = new ArrayList<>();
  private RedisBackend redis;
  /** The store's exact view of the limit. */
  private KeyedLimits store;

  @BeforeAll
  static void start() {
    server = RedisStandalone.start(); // our own: one test kills it
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void connect() {
    if (!server.node().isRunning()) {
      server.node().restart();
    }
    server.flushAll();
    redis = RedisBackend.builder(server.uri()).clock(clock).timeout(Duration.ofMillis(500))
        .circuitBreaker(1_000, Duration.ofMillis(10)).failurePolicy(FailurePolicy.FAIL_CLOSED)
        .build();
    store = redis.open(TEN_PER_SECOND);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    redis.close();
  }

  private EventualBackend instance(FirstSight firstSight) {
    EventualBackend b = EventualBackend.builder(redis).clock(clock).manualSync()
        .firstSight(firstSight).build();
    open.add(b);
    return b;
  }

  private static void sync(EventualBackend b) {
    b.syncNow().toCompletableFuture().join();
  }

  @Test
  void reservesIntoLocalDebtThatTheStoreThenCarriesForEveryInstance() {
    EventualBackend a = instance(FirstSight.LOCAL);
    KeyedLimits la = a.open(TEN_PER_SECOND);
    assertThat(la.acquire("k", 10).allowed()).isTrue();
    Reservation r = la.reserve("k", 5, 1_000_000);
    assertThat(r.waitMicros()).isEqualTo(500_000); // 5 missing, one per 100 ms
    assertThat(r.decision().allowed()).isTrue();
    assertThat(r.decision().remaining()).isZero();
    assertThat(la.reserve("k", 6, Long.MAX_VALUE).decision().allowed())
        .as("at most the capacity is owed locally").isFalse();
    assertThat(store.acquire("k", 0).remaining()).as("nothing sent before the sync")
        .isEqualTo(10);

    sync(a); // 10 hits taken, then 5 reserved in debt: due in 0.5 s, full in 1.5 s
    assertThat(store.acquire("k", 0))
        .isEqualTo(Decision.allowed(Limit.perSecond(10), 0, 1_500_000));
    assertThat(a.counters().hitsSent()).isEqualTo(15);
    assertThat(a.counters().hitsRefused()).isZero();
    // another instance asking the store sees the debt
    KeyedLimits lb = instance(FirstSight.SYNC).open(TEN_PER_SECOND);
    assertThat(lb.acquire("k", 1).retryAfterMicros()).isEqualTo(600_000);
    // and so does the first: denied until the store said the debt is due
    assertThat(la.acquire("k", 1).retryAfterMicros()).isEqualTo(500_000);
    // a reservation behind the store's debt waits for it, then for its own permits
    Reservation behind = la.reserve("k", 2, Long.MAX_VALUE);
    assertThat(behind.waitMicros()).isEqualTo(500_000 + 100_000);
    sync(a);
    assertThat(store.acquire("k", 1).retryAfterMicros()).isEqualTo(800_000);
  }

  @Test
  void aHoldIsTakenInRedisAndAnotherInstanceSettlesItOnce() {
    RateLimiter a = RateLimiter.create(instance(FirstSight.LOCAL), TEN_PER_SECOND);
    RateLimiter b = RateLimiter.create(instance(FirstSight.LOCAL), TEN_PER_SECOND);
    Hold h = a.hold("h", 8, Duration.ofMinutes(1));
    assertThat(h.held()).isTrue();
    assertThat(store.acquire("h", 0).remaining()).as("taken in Redis at once").isEqualTo(2);
    Settlement s = b.settle("h", h.id(), 3);
    assertThat(s.status()).isEqualTo(Settlement.Status.SETTLED);
    assertThat(store.acquire("h", 0).remaining()).isEqualTo(7);
    assertThat(a.settle(h, 0).status()).isEqualTo(Settlement.Status.ALREADY_SETTLED);
    assertThat(b.settle("h", "unknown", 0).status()).isEqualTo(Settlement.Status.UNKNOWN);
    assertThat(store.acquire("h", 0).remaining()).isEqualTo(7);
  }

  @Test
  void windowsReserveOnlyWhatFitsNow() {
    List<Limit> window =
        List.of(Limit.builder("10/second").algorithm(Algorithm.FIXED_WINDOW).build());
    EventualBackend a = instance(FirstSight.LOCAL);
    KeyedLimits la = a.open(window);
    assertThat(la.reserve("w", 10, 5_000_000))
        .isEqualTo(Reservation.immediate(Decision.allowed(window.get(0), 0, 1_000_000)));
    Reservation denied = la.reserve("w", 1, 5_000_000);
    assertThat(denied.decision().allowed()).isFalse();
    assertThat(denied.waitMicros()).isZero();
    assertThat(denied.decision().retryAfterMicros()).as("until the next sync").isEqualTo(100_000);
  }

  @Test
  void refundsGiveUnreportedPermitsBackLocallyAndTheRestInTheStore() {
    EventualBackend a = instance(FirstSight.LOCAL);
    KeyedLimits la = a.open(TEN_PER_SECOND);
    assertThat(la.acquire("k", 6).allowed()).isTrue();
    sync(a);
    assertThat(la.acquire("k", 2).remaining()).isEqualTo(2);
    assertThat(la.refund("k", 1).remaining()).as("a pending hit, never sent").isEqualTo(3);
    assertThat(store.acquire("k", 0).remaining()).isEqualTo(4);
    Decision after = la.refund("k", 4); // 1 pending here, 3 reported hits in the store
    assertThat(after.remaining()).isEqualTo(7);
    assertThat(store.acquire("k", 0).remaining()).isEqualTo(7);
    assertThat(la.acquire("k", 7).remaining()).as("the view learnt it").isZero();
    sync(a);
    assertThat(store.acquire("k", 0).remaining()).isZero();
    // a reservation in local debt, refunded before the sync: nothing reaches the store
    Reservation r = la.reserve("k", 3, Long.MAX_VALUE);
    assertThat(r.waitMicros()).isPositive();
    la.refund("k", 3);
    sync(a);
    assertThat(store.acquire("k", 0).remaining()).isZero();
    assertThat(store.acquire("k", 0).resetAfterMicros()).isEqualTo(1_000_000);
    assertThat(la.refund("unknown", 2)).isEqualTo(store.acquire("unknown", 0));
  }

  @Test
  void resetForgetsTheLocalViewAndTheStore() {
    EventualBackend a = instance(FirstSight.LOCAL);
    KeyedLimits la = a.open(TEN_PER_SECOND);
    assertThat(la.acquire("k", 8).allowed()).isTrue();
    sync(a);
    assertThat(la.acquire("k", 2).allowed()).isTrue(); // pending
    la.reserve("k", 3, Long.MAX_VALUE); // owed
    la.reset("k");
    assertThat(store.acquire("k", 0).remaining()).isEqualTo(10);
    assertThat(a.counters().keys()).isZero();
    sync(a);
    assertThat(store.acquire("k", 0).remaining()).as("the forgotten hits are not sent")
        .isEqualTo(10);
    assertThat(la.acquire("k", 10).allowed()).isTrue();
  }

  @Test
  void theRateLimiterWaitsForALocalReservation() {
    EventualBackend a = instance(FirstSight.LOCAL);
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = RateLimiter.builder(TEN_PER_SECOND).backend(a).sleeper(sleeper).build();
    assertThat(limiter.acquire("k", 10, Duration.ZERO).allowed()).isTrue();
    assertThat(limiter.acquire("k", 3, Duration.ofSeconds(1)).allowed()).isTrue();
    assertThat(sleeper.waits()).containsExactly(300_000L);
  }

  @Test
  void owedPermitsSurviveAFailedSync() {
    EventualBackend a = instance(FirstSight.LOCAL);
    KeyedLimits la = a.open(TEN_PER_SECOND);
    assertThat(la.acquire("k", 10).allowed()).isTrue();
    sync(a);
    assertThat(la.reserve("k", 4, Long.MAX_VALUE).waitMicros()).isEqualTo(400_000);
    server.node().kill();
    sync(a);
    assertThat(a.storeHealthy()).isFalse();
    assertThat(a.counters().storeFailures()).isEqualTo(2); // the refresh and the debt
    server.node().restart(); // empty
    redis.open(TEN_PER_SECOND).acquire("warm", 0); // wait for the reconnection
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (store.acquire("k", 0).degraded() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    sync(a);
    assertThat(a.storeHealthy()).isTrue();
    assertThat(store.acquire("k", 0).remaining()).as("the 4 owed are the store's now")
        .isEqualTo(6);
  }
}
