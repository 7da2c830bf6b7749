package dev.sluice.eventual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision.Reason;
import dev.sluice.Decision;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.Settlement;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.KeyedLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The eventually consistent backend over a shared in-memory global store, on a manual clock and
 * manual syncs: local decisions, what a sync sends and learns, denial until the store says the
 * key frees, first sight, batching by size, outages, the bounded key map and close.
 */
class EventualBackendTest {

  /** A whole number of days since the epoch: minute windows start here. */
  private static final long T0 = 1_700_006_400_000_000L;
  private static final long SECOND = 1_000_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final List<Limit> TEN_PER_MINUTE =
      List.of(Limit.builder("10/minute").algorithm(Algorithm.FIXED_WINDOW).build());

  private final ManualClock clock = new ManualClock(T0);
  private final FlakyBackend global =
      new FlakyBackend(MemoryBackend.builder().clock(clock).build(), true);
  /** The store's own view of the limit: exact, shared with every instance. */
  private final KeyedLimits store = global.open(TEN_PER_MINUTE);
  private final List<EventualBackend> instances = new ArrayList<>();

  @AfterEach
  void closeAll() {
    instances.forEach(EventualBackend::close);
    global.close();
  }

  private EventualBackend.Builder builder() {
    // Most tests pin the local path; SYNC has its own tests.
    return EventualBackend.builder(global).clock(clock).manualSync().firstSight(FirstSight.LOCAL);
  }

  private EventualBackend instance() {
    return track(builder().build());
  }

  private EventualBackend track(EventualBackend b) {
    instances.add(b);
    return b;
  }

  private static RateLimiter limiter(EventualBackend b) {
    return RateLimiter.create(b, TEN_PER_MINUTE);
  }

  private long storeRemaining(String key) {
    return store.acquire(key, 0).remaining();
  }

  private static void sync(EventualBackend b) {
    b.syncNow().toCompletableFuture().join();
  }

  private static void assertAllowed(Decision d, long remaining) {
    assertThat(d.allowed()).as("%s", d).isTrue();
    assertThat(d.remaining()).as("%s", d).isEqualTo(remaining);
    assertThat(d.degraded()).as("%s", d).isFalse();
  }

  private static void assertDenied(Decision d, long remaining, long retryAfterMicros) {
    assertThat(d.allowed()).as("%s", d).isFalse();
    assertThat(d.reason()).as("%s", d).isEqualTo(Reason.LIMIT_EXCEEDED);
    assertThat(d.remaining()).as("%s", d).isEqualTo(remaining);
    assertThat(d.retryAfterMicros()).as("%s", d).isEqualTo(retryAfterMicros);
    assertThat(d.degraded()).as("%s", d).isFalse();
  }

  @Test
  void aHoldIsTakenInTheStoreAndAnyInstanceSettlesItOnce() {
    EventualBackend first = instance();
    RateLimiter a = limiter(first);
    RateLimiter b = limiter(instance());
    assertAllowed(a.tryAcquire("k", 1), 9); // local, not yet sent
    Hold h = a.hold("k", 6, Duration.ofMinutes(1));
    assertThat(h.held()).isTrue();
    assertAllowed(h.decision(), 4); // the store's answer: 6 there, the 1 not yet sent
    assertThat(storeRemaining("k")).isEqualTo(4);
    // settled on another instance: 2 of the 6 given back in the store
    Settlement s = b.settle("k", h.id(), 4);
    assertThat(s.status()).isEqualTo(Settlement.Status.SETTLED);
    assertThat(s.estimate()).isEqualTo(6);
    assertThat(storeRemaining("k")).isEqualTo(6);
    assertThat(a.settle(h, 0).status()).isEqualTo(Settlement.Status.ALREADY_SETTLED);
    assertThat(storeRemaining("k")).isEqualTo(6);
    // more than the estimate: past the limit in the store, every instance learns the debt
    Hold big = b.hold("k", 5, Duration.ofMinutes(1));
    assertAllowed(big.decision(), 1);
    assertDenied(a.settle(big, 12).decision(), 0, MINUTE);
    sync(first);
    assertThat(a.tryAcquire("k").allowed()).isFalse();
    assertThat(storeRemaining("k")).isZero();
  }

  @Test
  void aHoldWhileTheStoreIsDownIsAnsweredByItsPolicyAndHoldsNothing() {
    RateLimiter a = limiter(instance());
    global.down = true;
    Hold h = a.hold("k", 3, Duration.ofMinutes(1));
    assertThat(h.decision().degraded()).isTrue();
    assertThat(h.held()).isFalse();
    assertThatThrownBy(() -> a.settle(h, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.settle("k", "any", 1)).hasRootCauseMessage("store down");
  }

  @Test
  void permitsPastTheLimitReachTheStoreAtOnceEveryOneOfThem() {
    RateLimiter a = limiter(instance());
    RateLimiter b = limiter(instance());
    assertAllowed(a.tryAcquire("k", 2), 8);
    assertAllowed(a.record("k", 4), 6); // the store's answer: 4 there, the 2 not yet sent
    assertThat(storeRemaining("k")).isEqualTo(6);
    Decision over = b.record("k", 8);
    assertDenied(over, 0, MINUTE);
    // 12 counted in the store: 2 given back still leave it full, a third frees one
    assertThat(store.refund("k", 2).remaining()).isZero();
    assertThat(store.refund("k", 1).remaining()).isEqualTo(1);
  }

  @Test
  void answersLocallyAndReportsTheHitsAtTheSync() {
    EventualBackend a = instance();
    RateLimiter limiter = limiter(a);
    assertAllowed(limiter.tryAcquire("k"), 9);
    assertAllowed(limiter.tryAcquire("k"), 8);
    assertAllowed(limiter.tryAcquire("k", 2), 6);
    assertThat(storeRemaining("k")).as("nothing sent before the sync").isEqualTo(10);
    sync(a);
    assertThat(storeRemaining("k")).isEqualTo(6);
    assertThat(a.counters()).isEqualTo(
        new EventualBackend.Counters(1, 1, 4, 0, 0, 0, 3, 0, 0, 1, 0, 0, 0));
    sync(a);
    assertThat(a.counters().keysSent()).as("an untouched key is not sent again").isEqualTo(1);
  }

  @Test
  void twoInstancesOvershootByWhatTheStoreRefusesThenDenyUntilTheWindowEnds() {
    EventualBackend a = instance();
    EventualBackend b = instance();
    RateLimiter la = limiter(a);
    RateLimiter lb = limiter(b);
    clock.advanceMicros(30 * SECOND);
    for (int i = 0; i < 6; i++) {
      assertThat(la.tryAcquire("k").allowed()).isTrue();
      assertThat(lb.tryAcquire("k").allowed()).isTrue();
    }
    sync(a); // the store takes a's 6: a now knows 4 are left
    sync(b); // the store had room for 4 of b's 6
    assertThat(a.counters().hitsRefused()).isZero();
    assertThat(b.counters().hitsRefused()).isEqualTo(2);
    assertThat(storeRemaining("k")).isZero();
    // b knows the key is exhausted; until the next reply says when it frees, it guesses the sync.
    assertDenied(lb.tryAcquire("k"), 0, 100_000);
    sync(b); // a zero-permit take: denied in the store until the window ends
    assertDenied(lb.tryAcquire("k"), 0, 30 * SECOND);
    assertThat(b.counters().hitsSent()).as("the refresh sent no hit").isEqualTo(6);
    // a still believes in its 4: it admits them, and the store refuses them at its sync.
    for (int i = 0; i < 4; i++) {
      assertThat(la.tryAcquire("k").allowed()).isTrue();
    }
    assertThat(la.tryAcquire("k").allowed()).isFalse();
    sync(a);
    assertThat(a.counters().hitsRefused()).isEqualTo(4);
    long admitted = 6 + 6 + 4;
    assertThat(a.counters().hitsRefused() + b.counters().hitsRefused())
        .as("overshoot = admitted - limit").isEqualTo(admitted - 10);
    // The next window: b's denial has run out; one sync later it knows the fresh allowance.
    clock.advanceMicros(30 * SECOND);
    assertDenied(lb.tryAcquire("k"), 0, 100_000);
    sync(b);
    assertAllowed(lb.tryAcquire("k"), 9);
  }

  @Test
  void firstSightSyncAsksTheStoreOnceThenAnswersLocally() {
    EventualBackend a = instance();
    for (int i = 0; i < 10; i++) {
      limiter(a).tryAcquire("hot");
    }
    sync(a);
    EventualBackend c = track(builder().firstSight(FirstSight.SYNC).build());
    RateLimiter lc = limiter(c);
    assertDenied(lc.tryAcquire("hot"), 0, MINUTE);
    assertThat(c.counters().storeDecisions()).isEqualTo(1);
    clock.advanceMicros(SECOND);
    assertDenied(lc.tryAcquire("hot"), 0, MINUTE - SECOND);
    assertThat(c.counters().localDecisions()).isEqualTo(1);
    assertAllowed(lc.tryAcquire("cold"), 9);
    assertThat(storeRemaining("cold")).as("counted in the store at once").isEqualTo(9);
    assertAllowed(lc.tryAcquire("cold"), 8);
    assertThat(storeRemaining("cold")).isEqualTo(9);
    assertThat(c.counters().storeDecisions()).isEqualTo(2);
  }

  @Test
  void firstSightSyncRefreshesAViewOlderThanTwoIntervals() {
    EventualBackend c = track(builder().firstSight(FirstSight.SYNC).build());
    RateLimiter lc = limiter(c);
    assertAllowed(lc.tryAcquire("k"), 9); // the store decided
    clock.advanceMicros(200_000); // two intervals: still fresh
    assertAllowed(lc.tryAcquire("k"), 8);
    assertThat(c.counters().storeDecisions()).isEqualTo(1);
    clock.advanceMicros(1); // older than two intervals: ask the store again
    assertAllowed(lc.tryAcquire("k"), 8); // the store has not seen the local hit yet
    assertThat(c.counters().storeDecisions()).isEqualTo(2);
    sync(c);
    assertThat(storeRemaining("k")).isEqualTo(7);
  }

  @Test
  void racingThreadsOnOneInstanceGetExactlyItsView() throws Exception {
    EventualBackend a = instance();
    RateLimiter la = limiter(a);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors
        .newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          int n = 0;
          for (int i = 0; i < 25; i++) {
            n += la.tryAcquire("k").allowed() ? 1 : 0;
          }
          return n;
        }));
      }
      int admitted = 0;
      for (java.util.concurrent.Future<Integer> f : results) {
        admitted += f.get();
      }
      assertThat(admitted).isEqualTo(10);
    } finally {
      pool.shutdownNow();
    }
    sync(a);
    assertThat(storeRemaining("k")).isZero();
    assertThat(a.counters().hitsRefused()).isZero();
  }

  @Test
  void aFullBatchSyncsAtOnce() {
    EventualBackend a = track(builder().maxBatch(3).build());
    RateLimiter la = limiter(a);
    la.tryAcquire("k1");
    la.tryAcquire("k2");
    la.tryAcquire("k2");
    assertThat(storeRemaining("k1")).isEqualTo(10);
    la.tryAcquire("k3"); // the third key waiting: sync now
    assertThat(a.counters().syncs()).isEqualTo(1);
    assertThat(List.of(storeRemaining("k1"), storeRemaining("k2"), storeRemaining("k3")))
        .containsExactly(9L, 8L, 9L);
  }

  @Test
  void fullBatchSyncsSendAKeyAtMostOncePerInterval() {
    EventualBackend a = track(builder().maxBatch(2).build());
    RateLimiter la = limiter(a);
    la.tryAcquire("k1");
    la.tryAcquire("k2"); // two keys wait: a batch sync sends both
    assertThat(a.counters().keysSent()).isEqualTo(2);
    la.tryAcquire("k1");
    la.tryAcquire("k2"); // both wait again, but were sent in this interval: they wait for it
    assertThat(a.counters().keysSent()).isEqualTo(2);
    la.tryAcquire("k3");
    la.tryAcquire("k4"); // two keys not sent yet in this interval: sent at once
    assertThat(a.counters().keysSent()).isEqualTo(4);
    assertThat(List.of(storeRemaining("k1"), storeRemaining("k3"))).containsExactly(9L, 9L);
    sync(a); // the interval's sync sends what the batches left
    assertThat(a.counters().keysSent()).isEqualTo(6);
    assertThat(List.of(storeRemaining("k1"), storeRemaining("k2"))).containsExactly(8L, 8L);
  }

  @Test
  void aFailedSyncKeepsTheHitsAndTheStorePolicyAnswersUntilItIsBack() {
    EventualBackend a = instance();
    RateLimiter la = limiter(a);
    la.tryAcquire("k", 3);
    global.down = true;
    sync(a);
    assertThat(a.counters().storeFailures()).isEqualTo(1);
    assertThat(a.storeHealthy()).isFalse();
    Decision d = la.tryAcquire("k");
    assertThat(d.allowed()).isTrue(); // the store's policy (fail open) answered
    assertThat(d.degraded()).isTrue();
    assertThat(d.reason()).isEqualTo(Reason.BACKEND_UNAVAILABLE);
    global.down = false;
    sync(a); // 3 hits from before the outage, 1 admitted by the policy during it
    assertThat(a.storeHealthy()).isTrue();
    assertThat(storeRemaining("k")).isEqualTo(6);
    assertAllowed(la.tryAcquire("k"), 5);
    assertThat(a.counters().hitsSent()).as("3 sent and failed, then 4").isEqualTo(7);
  }

  @Test
  void hitsKeptDuringAnOutageAreCappedAtTheCapacity() {
    EventualBackend a = instance();
    RateLimiter la = limiter(a);
    la.tryAcquire("k", 2);
    global.down = true;
    sync(a);
    for (int i = 0; i < 13; i++) {
      assertThat(la.tryAcquire("k").degraded()).isTrue();
    }
    assertThat(a.counters().hitsDropped()).isEqualTo(5);
    global.down = false;
    sync(a);
    assertThat(storeRemaining("k")).isZero();
    assertThat(a.counters().hitsRefused()).isZero();
  }

  @Test
  void firstSightDefaultsToSync() {
    EventualBackend c = track(EventualBackend.builder(global).clock(clock).manualSync().build());
    RateLimiter lc = RateLimiter.create(c, TEN_PER_MINUTE);
    lc.tryAcquire("k");
    // Asked from the store at once (no sync needed to count it there).
    assertThat(c.counters().storeDecisions()).isEqualTo(1);
    assertThat(storeRemaining("k")).isEqualTo(9);
  }

  @Test
  void aPolicyThatDeniesKeepsNothing() {
    FlakyBackend closed = new FlakyBackend(MemoryBackend.builder().clock(clock).build(), false);
    EventualBackend a = track(EventualBackend.builder(closed).clock(clock).manualSync()
        .firstSight(FirstSight.LOCAL).build());
    RateLimiter la = RateLimiter.create(a, TEN_PER_MINUTE);
    la.tryAcquire("k");
    closed.down = true;
    sync(a);
    Decision d = la.tryAcquire("k");
    assertThat(d.allowed()).isFalse();
    assertThat(d.degraded()).isTrue();
    closed.down = false;
    sync(a);
    assertThat(closed.open(TEN_PER_MINUTE).acquire("k", 0).remaining()).isEqualTo(9);
  }

  @Test
  void idleKeysAreDroppedAndAFullMapLeavesNewKeysToTheStore() {
    EventualBackend a = track(builder().maxKeys(2).build());
    RateLimiter la = limiter(a);
    la.tryAcquire("k1");
    la.tryAcquire("k2");
    assertAllowed(la.tryAcquire("k3"), 9);
    assertThat(storeRemaining("k3")).as("decided by the store, exactly").isEqualTo(9);
    assertThat(a.counters().storeDecisions()).isEqualTo(1);
    assertThat(a.counters().keys()).isEqualTo(2);
    sync(a);
    clock.advanceMicros(MINUTE); // every window has ended
    sync(a);
    assertThat(a.counters().evictions()).isEqualTo(2);
    assertThat(a.counters().keys()).isZero();
    assertAllowed(la.tryAcquire("k3"), 9);
    assertThat(a.counters().keys()).isEqualTo(1);
  }

  @Test
  void checksTakeNothingAndTooManyPermitsNeverFit() {
    EventualBackend a = instance();
    RateLimiter la = limiter(a);
    assertAllowed(la.tryAcquire("k", 0), 10);
    Decision d = la.tryAcquire("k", 11);
    assertThat(d.reason()).isEqualTo(Reason.PERMITS_EXCEED_CAPACITY);
    assertThat(d.retryAfter()).isEqualTo(Decision.NEVER);
    assertAllowed(la.tryAcquireAsync("k", 4).toCompletableFuture().join(), 6);
    sync(a);
    assertThat(storeRemaining("k")).isEqualTo(6);
  }

  @Test
  void takeUpToIsAnsweredLocallyToo() {
    EventualBackend a = instance();
    KeyedLimits keyed = a.open(TEN_PER_MINUTE);
    assertThat(keyed.acquireUpTo("k", 7).taken()).isEqualTo(7);
    assertThat(keyed.acquireUpTo("k", 7).taken()).isEqualTo(3);
    assertThat(keyed.acquireUpTo("k", 7).decision().allowed()).isFalse();
    sync(a);
    assertThat(storeRemaining("k")).isZero();
  }

  @Test
  void closeSendsThePendingHits() {
    EventualBackend a = instance();
    RateLimiter la = limiter(a);
    la.tryAcquire("k", 2);
    a.close();
    assertThat(storeRemaining("k")).isEqualTo(8);
    assertThatThrownBy(() -> la.tryAcquire("k")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void itsOwnSchedulerSyncsEveryInterval() throws InterruptedException {
    // The system clock: a real scheduler thread.
    FlakyBackend real = new FlakyBackend(MemoryBackend.create(), true);
    EventualBackend a = track(EventualBackend.builder(real).syncInterval(Duration.ofMillis(5))
        .firstSight(FirstSight.LOCAL).build());
    RateLimiter.create(a, TEN_PER_MINUTE).tryAcquire("k", 3);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (real.open(TEN_PER_MINUTE).acquire("k", 0).remaining() != 7
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(real.open(TEN_PER_MINUTE).acquire("k", 0).remaining()).isEqualTo(7);
    assertThat(a.counters().syncs()).isPositive();
  }

  @Test
  void badSettingsAreRejectedNamingTheSetting() {
    assertThatThrownBy(() -> EventualBackend.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("global");
    EventualBackend.Builder b = EventualBackend.builder(global);
    assertThatThrownBy(() -> b.syncInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("syncInterval");
    assertThatThrownBy(() -> b.syncInterval(Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("syncInterval");
    assertThatThrownBy(() -> b.maxBatch(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatch");
    assertThatThrownBy(() -> b.maxKeys(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxKeys");
    assertThatThrownBy(() -> b.firstSight(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("firstSight");
  }
}
