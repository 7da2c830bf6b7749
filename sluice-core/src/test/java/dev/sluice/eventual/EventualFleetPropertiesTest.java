package dev.sluice.eventual;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * A fleet of eventual instances on one global store, under random traffic and random sync
 * orders: whatever the interleaving, the overshoot stays within the documented bound, every
 * admitted hit reaches the store, and the store itself never exceeds the limit.
 *
 * <p>The bound (docs/distributed.md): per fixed window, the store refuses at most one sync's
 * worth of hits per instance (after a refusal an instance knows the key is exhausted until the
 * window ends), so with at most {@code m} requests per instance between two of its syncs,
 * {@code admitted <= windows × (count + instances × m)}.
 */
class EventualFleetPropertiesTest {

  private static final long T0 = 1_700_006_400_000_000L;
  private static final long WINDOW = 1_000_000L;

  @Property(tries = 200)
  void overshootStaysWithinTheBound(
      @ForAll @IntRange(min = 2, max = 6) int instances,
      @ForAll @IntRange(min = 1, max = 8) int perRound,
      @ForAll @IntRange(min = 1, max = 30) int count,
      @ForAll @IntRange(min = 5, max = 40) int rounds,
      @ForAll boolean syncFirstSight,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    ManualClock clock = new ManualClock(T0);
    FlakyBackend global = new FlakyBackend(MemoryBackend.builder().clock(clock).build(), true);
    List<Limit> limits = List.of(Limit.ofMicros(count, WINDOW, count, Algorithm.FIXED_WINDOW));
    List<EventualBackend> fleet = new ArrayList<>();
    List<RateLimiter> limiters = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      EventualBackend b = EventualBackend.builder(global).clock(clock).manualSync()
          .firstSight(syncFirstSight ? FirstSight.SYNC : FirstSight.LOCAL).build();
      fleet.add(b);
      limiters.add(RateLimiter.create(b, limits));
    }
    String[] keys = {"a", "b"};
    long[] admitted = new long[keys.length];
    long storeDecided = 0;
    Set<Long> windows = new HashSet<>();
    for (int round = 0; round < rounds; round++) {
      clock.advanceMicros(rnd.nextLong(WINDOW / 2));
      // Each instance gets at most perRound requests between two of its syncs.
      for (int i = 0; i < instances; i++) {
        int n = rnd.nextInt(perRound + 1);
        for (int j = 0; j < n; j++) {
          int k = rnd.nextInt(keys.length);
          if (limiters.get(i).tryAcquire(keys[k]).allowed()) {
            admitted[k]++;
          }
        }
      }
      windows.add(clock.nowMicros() / WINDOW);
      for (int i : order(rnd, instances)) {
        fleet.get(i).syncNow().toCompletableFuture().join();
      }
    }
    long sent = 0;
    for (EventualBackend b : fleet) {
      EventualBackend.Counters c = b.counters();
      sent += c.hitsSent();
      storeDecided += c.storeDecisions();
      assertThat(c.storeFailures()).isZero();
    }
    for (int k = 0; k < keys.length; k++) {
      assertThat(admitted[k]).as("admitted on key %s over %d windows, %d instances, %d/window,"
              + " at most %d requests per instance per round", keys[k], windows.size(),
              instances, count, perRound)
          .isLessThanOrEqualTo(windows.size() * (count + (long) instances * perRound));
    }
    // Every hit admitted locally was reported (first sights with SYNC were counted at once).
    if (syncFirstSight) {
      assertThat(sent).isLessThanOrEqualTo(admitted[0] + admitted[1]);
      assertThat(sent + storeDecided).isGreaterThanOrEqualTo(admitted[0] + admitted[1]);
    } else {
      assertThat(sent).isEqualTo(admitted[0] + admitted[1]);
    }
    fleet.forEach(EventualBackend::close);
    global.close();
  }

  /** 0 … n-1 in a random order. */
  static int[] order(SplittableRandom rnd, int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
