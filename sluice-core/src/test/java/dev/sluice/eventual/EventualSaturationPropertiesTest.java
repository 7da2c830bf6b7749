package dev.sluice.eventual;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * A fleet of eventual instances kept saturated on one key, for every algorithm, with random
 * traffic and random sync orders, against one exact limiter fed the same requests: the fleet
 * overshoots only at the onset, by at most one round of each instance's requests (see
 * docs/distributed.md, "The overshoot bound"), however long the saturation lasts. Without leases
 * a refilling algorithm would overshoot every round, and a window once per window.
 */
class EventualSaturationPropertiesTest {

  private static final long T0 = 1_700_006_400_000_000L;
  private static final long PERIOD = 1_000_000L;
  /** Ten rounds per period: the sync interval. */
  private static final long ROUND = PERIOD / 10;

  @Property(tries = 150)
  void aSaturatedFleetOvershootsOnlyAtTheOnset(
      @ForAll Algorithm algorithm,
      @ForAll @IntRange(min = 2, max = 6) int instances,
      @ForAll @IntRange(min = 5, max = 40) int count,
      @ForAll @IntRange(min = 10, max = 60) int rounds,
      @ForAll boolean syncFirstSight,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    ManualClock clock = new ManualClock(T0);
    FlakyBackend global = new FlakyBackend(MemoryBackend.builder().clock(clock).build(), true);
    List<Limit> limits = List.of(Limit.ofMicros(count, PERIOD, count, algorithm));
    List<EventualBackend> fleet = new ArrayList<>();
    List<RateLimiter> limiters = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      EventualBackend b = EventualBackend.builder(global).clock(clock).manualSync()
          .syncInterval(java.time.Duration.ofNanos(ROUND * 1_000))
          .firstSight(syncFirstSight ? FirstSight.SYNC : FirstSight.LOCAL).build();
      fleet.add(b);
      limiters.add(RateLimiter.create(b, limits));
    }
    RateLimiter exact = RateLimiter.create(MemoryBackend.builder().clock(clock).build(), limits);
    // Each instance asks for [m, 2m] per round: together at least count / 2 per round, five times
    // what refills in a round, so the key stays saturated after its first period.
    int m = Math.max(1, count / (2 * instances));
    long[] most = new long[instances];
    long admitted = 0;
    long allowed = 0;
    for (int round = 0; round < rounds; round++) {
      clock.advanceMicros(ROUND);
      for (int i : EventualFleetPropertiesTest.order(rnd, instances)) {
        int n = m + rnd.nextInt(m + 1);
        most[i] = Math.max(most[i], n);
        for (int j = 0; j < n; j++) {
          if (limiters.get(i).tryAcquire("k").allowed()) {
            admitted++;
          }
          if (exact.tryAcquire("k").allowed()) {
            allowed++;
          }
        }
      }
      for (int i : EventualFleetPropertiesTest.order(rnd, instances)) {
        fleet.get(i).syncNow().toCompletableFuture().join();
      }
    }
    long bound = 0;
    for (int i = 0; i < instances; i++) {
      bound += Math.min(count, most[i]);
      if (algorithm == Algorithm.SLIDING_WINDOW_LOG) {
        bound += Math.min(count, 2 * most[i]); // leases dated up to a round before their use
      }
    }
    long refused = 0;
    for (EventualBackend b : fleet) {
      refused += b.counters().hitsRefused();
      assertThat(b.counters().storeFailures()).isZero();
    }
    assertThat(admitted - allowed).as("%s: %d instances, %d/period, %d rounds: admitted %d,"
            + " exact %d, refused %d, bound %d", algorithm, instances, count, rounds, admitted,
            allowed, refused, bound)
        .isLessThanOrEqualTo(bound);
    fleet.forEach(EventualBackend::close);
    global.close();
  }
}
