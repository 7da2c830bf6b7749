package dev.sluice.eventual;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.KeyedLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leases in eventual mode, over a shared in-memory global store, on a manual clock and manual
 * syncs: a scarce key is leased and admitted from its lease only, unused lease goes back when the
 * traffic falls, a window's lease lapses with its window, a key short of its lease is decided by
 * the store while the store has room ({@link FirstSight#SYNC}), and admissions racing syncs on
 * the lock-free path are all accounted for.
 */
class EventualLeaseTest {

  private static final long T0 = 1_700_006_400_000_000L;
  private static final long MS = 1_000L;
  /** 10 per second: one permit refills every 100 ms (one sync interval). */
  private static final List<Limit> BUCKET = List.of(Limit.perSecond(10));
  private static final List<Limit> WINDOW =
      List.of(Limit.builder("10/minute").algorithm(Algorithm.FIXED_WINDOW).build());

  private final ManualClock clock = new ManualClock(T0);
  private final FlakyBackend global =
      new FlakyBackend(MemoryBackend.builder().clock(clock).build(), true);
  private final List<EventualBackend> instances = new ArrayList<>();

  @AfterEach
  void closeAll() {
    instances.forEach(EventualBackend::close);
    global.close();
  }

  private EventualBackend instance(FirstSight firstSight) {
    EventualBackend b = EventualBackend.builder(global).clock(clock).manualSync()
        .firstSight(firstSight).build();
    instances.add(b);
    return b;
  }

  private long storeRemaining(List<Limit> limits, String key) {
    return global.open(limits).acquire(key, 0).remaining();
  }

  private static void sync(EventualBackend b) {
    b.syncNow().toCompletableFuture().join();
  }

  private static int admitted(RateLimiter limiter, String key, int requests) {
    int n = 0;
    for (int i = 0; i < requests; i++) {
      n += limiter.tryAcquire(key).allowed() ? 1 : 0;
    }
    return n;
  }

  @Test
  void aScarceKeyIsLeasedAndAdmittedFromItsLeaseOnly() {
    EventualBackend a = instance(FirstSight.LOCAL);
    RateLimiter la = RateLimiter.create(a, BUCKET);
    assertThat(admitted(la, "k", 10)).isEqualTo(10); // the view of a fresh key
    sync(a); // the store took the 10: the key is exhausted, so it is leased from now on
    assertThat(a.counters().leased()).isZero();
    clock.advanceMicros(500 * MS); // 5 permits refill in the store
    Decision d = la.tryAcquire("k");
    assertThat(d.allowed()).as("no lease yet, and LOCAL never asks the store: %s", d).isFalse();
    assertThat(storeRemaining(BUCKET, "k")).isEqualTo(5);
    sync(a); // asks for a lease: gets the 5 the store has
    assertThat(a.counters().leased()).isEqualTo(5);
    assertThat(storeRemaining(BUCKET, "k")).as("the lease is counted in the store").isZero();
    assertThat(admitted(la, "k", 8)).as("admitted from the lease, no more").isEqualTo(5);
    sync(a);
    EventualBackend.Counters c = a.counters();
    assertThat(c.hitsSent()).as("10 reported, 5 from the lease").isEqualTo(15);
    assertThat(c.hitsRefused()).isZero();
    assertThat(storeRemaining(BUCKET, "k")).isZero();
  }

  @Test
  void unusedLeaseGoesBackWhenTheTrafficFalls() {
    EventualBackend a = instance(FirstSight.LOCAL);
    RateLimiter la = RateLimiter.create(a, BUCKET);
    admitted(la, "k", 10);
    sync(a);
    clock.advanceMicros(500 * MS);
    la.tryAcquire("k"); // denied: asks for a lease at the next sync
    sync(a);
    assertThat(a.counters().leased()).isEqualTo(5);
    assertThat(la.tryAcquire("k").allowed()).isTrue(); // 4 left unused
    // No more traffic: the key's rate decays round after round, the lease goes back.
    for (int round = 0; round < 30; round++) {
      clock.advanceMicros(100 * MS);
      sync(a);
    }
    EventualBackend.Counters c = a.counters();
    assertThat(c.leaseReturned()).as("all but the permit used").isEqualTo(c.leased() - 1);
    assertThat(c.leaseLapsed()).isZero();
    assertThat(storeRemaining(BUCKET, "k")).as("full again").isEqualTo(10);
    clock.advanceMicros(60_000 * MS);
    sync(a);
    assertThat(a.counters().evictions()).as("an idle key without lease is dropped").isEqualTo(1);
  }

  @Test
  void aWindowLeaseLapsesWithItsWindow() {
    EventualBackend a = instance(FirstSight.LOCAL);
    RateLimiter la = RateLimiter.create(a, WINDOW);
    clock.advanceMicros(30_000 * MS); // the middle of a minute window
    assertThat(admitted(la, "w", 10)).isEqualTo(10);
    sync(a); // exhausted: leased from now on
    clock.advanceMicros(30_000 * MS); // the next window
    assertThat(la.tryAcquire("w").allowed()).isFalse(); // no lease yet (LOCAL)
    for (int i = 0; i < 3; i++) { // a steady 3 requests per round, then a sync
      admitted(la, "w", 3);
      clock.advanceMicros(100 * MS);
      sync(a);
    }
    assertThat(a.counters().leased()).as("a lease for the window").isPositive();
    assertThat(storeRemaining(WINDOW, "w")).as("the window is leased out").isZero();
    clock.advanceMicros(60_000 * MS); // that window has ended, with some of its lease unused
    assertThat(la.tryAcquire("w").allowed()).as("nothing admitted from the old lease").isFalse();
    EventualBackend.Counters c = a.counters();
    assertThat(c.leaseLapsed()).as("the unused lease lapsed").isPositive();
    assertThat(c.leaseReturned()).isZero();
    assertThat(c.hitsSent() + c.leaseLapsed()).as("every leased permit used or lapsed")
        .isEqualTo(10 + c.leased());
    assertThat(storeRemaining(WINDOW, "w")).as("nothing of it reached the new window")
        .isEqualTo(10);
  }

  /**
   * A calendar day in Kathmandu (+05:45) ends 18 h 15 min after T0, before the epoch-aligned day
   * of the same nominal length: a lease taken in it lapses at local midnight, not later.
   */
  @Test
  void aCalendarWindowLeaseLapsesAtTheWindowsRealEnd() {
    List<Limit> daily = List.of(Limit.parse("10/day@Asia/Kathmandu"));
    long hour = 3_600_000 * MS;
    EventualBackend a = instance(FirstSight.LOCAL);
    RateLimiter la = RateLimiter.create(a, daily);
    clock.setMicros(T0 - 6 * hour); // the local day before
    assertThat(admitted(la, "d", 10)).isEqualTo(10);
    sync(a); // exhausted: leased from now on
    clock.setMicros(T0 + 17 * hour); // 22:45 local, a new day with room in the store
    for (int i = 0; i < 3; i++) {
      admitted(la, "d", 3);
      clock.advanceMicros(100 * MS);
      sync(a);
    }
    assertThat(a.counters().leased()).as("a lease for the day").isPositive();
    assertThat(storeRemaining(daily, "d")).as("the day is leased out").isZero();
    clock.setMicros(T0 + 18 * hour + 15 * 60_000 * MS); // midnight in Kathmandu
    assertThat(la.tryAcquire("d").allowed()).as("nothing admitted from the old lease").isFalse();
    EventualBackend.Counters c = a.counters();
    assertThat(c.leaseLapsed()).as("the unused lease lapsed at local midnight").isPositive();
    assertThat(c.hitsSent() + c.leaseLapsed()).isEqualTo(10 + c.leased());
    assertThat(storeRemaining(daily, "d")).isEqualTo(10);
  }

  @Test
  void withSyncFirstSightTheStoreDecidesBeyondTheLeaseWhileItHasRoom() {
    EventualBackend b = instance(FirstSight.LOCAL);
    EventualBackend c = instance(FirstSight.SYNC);
    RateLimiter lb = RateLimiter.create(b, BUCKET);
    RateLimiter lc = RateLimiter.create(c, BUCKET);
    assertThat(lc.tryAcquire("k").remaining()).as("a first sight: the store decides")
        .isEqualTo(9);
    assertThat(admitted(lb, "k", 9)).isEqualTo(9);
    sync(b); // the store is empty now
    assertThat(lc.tryAcquire("k").allowed()).as("c's view still says 9: spent locally").isTrue();
    sync(c); // the hit is refused: the key is scarce for c from now on
    assertThat(c.counters().hitsRefused()).isEqualTo(1);
    long direct = c.counters().storeDecisions();
    clock.advanceMicros(1_000 * MS); // the bucket is full again: 10
    // No lease yet, a view that is stale: the store decides, exactly, and the view is fresh.
    assertThat(lc.tryAcquire("k").allowed()).isTrue();
    assertThat(c.counters().storeDecisions()).isEqualTo(direct + 1);
    // Short of a lease while the store had room: every request is the store's, exact.
    assertThat(admitted(lc, "k", 12)).isEqualTo(9);
    assertThat(c.counters().storeDecisions()).as("9 more by the store, then denied locally")
        .isEqualTo(direct + 10);
    assertThat(storeRemaining(BUCKET, "k")).isZero();
    assertThat(c.counters().hitsRefused()).isEqualTo(1);
  }

  @Test
  void admissionsRacingSyncsAreAllAccountedFor() throws Exception {
    EventualBackend a = instance(FirstSight.LOCAL);
    List<Limit> limits = List.of(Limit.perHour(20_000));
    KeyedLimits keyed = a.open(limits);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> deciders = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        deciders.add(pool.submit(() -> {
          int n = 0;
          for (int i = 0; i < 20_000; i++) {
            n += keyed.acquire("k" + (i & 3), 1).allowed() ? 1 : 0;
          }
          return n;
        }));
      }
      Future<?> syncer = pool.submit(() -> {
        while (!stop.get()) {
          sync(a);
        }
      });
      int admitted = 0;
      for (Future<Integer> f : deciders) {
        admitted += f.get();
      }
      stop.set(true);
      syncer.get();
      sync(a);
      sync(a);
      long counted = 0;
      for (int k = 0; k < 4; k++) {
        counted += 20_000 - storeRemaining(limits, "k" + k);
      }
      assertThat(admitted).as("60,000 asked for, 4 keys of 20,000").isEqualTo(60_000);
      assertThat(counted).as("every admission reached the store").isEqualTo(admitted);
      assertThat(a.counters().hitsSent()).isEqualTo(admitted);
      assertThat(a.counters().hitsRefused()).isZero();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  @Test
  void oneInstanceRacingItsSyncsAdmitsExactlyTheLimit() throws Exception {
    EventualBackend a = instance(FirstSight.LOCAL);
    List<Limit> limits = List.of(Limit.perHour(5_000));
    KeyedLimits keyed = a.open(limits);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> deciders = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        deciders.add(pool.submit(() -> {
          int n = 0;
          for (int i = 0; i < 4_000; i++) {
            n += keyed.acquire("k", 1).allowed() ? 1 : 0;
          }
          return n;
        }));
      }
      Future<?> syncer = pool.submit(() -> {
        while (!stop.get()) {
          sync(a);
        }
      });
      int admitted = 0;
      for (Future<Integer> f : deciders) {
        admitted += f.get();
      }
      stop.set(true);
      syncer.get();
      sync(a);
      sync(a);
      assertThat(admitted).as("one instance alone is exact").isEqualTo(5_000);
      assertThat(storeRemaining(limits, "k")).isZero();
      assertThat(a.counters().hitsRefused()).isZero();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }
}
