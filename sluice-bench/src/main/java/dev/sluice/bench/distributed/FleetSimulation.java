package dev.sluice.bench.distributed;

import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.memory.MemoryBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated run: {@code instances} real {@link EventualBackend}s (manual sync, one shared
 * simulated clock) over one global store behind a network delay, fed by a Poisson stream of
 * one-permit requests whose instance and key are drawn from Zipf distributions. The same stream
 * also goes through one exact limiter, whose admissions are what the limit allows for this
 * traffic; the fleet's overshoot is what it admitted beyond that.
 *
 * <p>Deterministic: every random choice comes from one seeded generator, events run in a fixed
 * order, and nothing reads the system clock.
 */
final class FleetSimulation {

  /** A whole number of days since the epoch, so every window of a day or less starts here. */
  static final long T0 = 1_700_006_400_000_000L;

  /**
   * The inputs of a run.
   *
   * @param instances fleet size
   * @param keys distinct keys, all under {@code limit}
   * @param instanceSkew Zipf exponent of the traffic over instances (0 = uniform)
   * @param keySkew Zipf exponent of the traffic over keys
   * @param arrivalsPerSecond total request rate over the fleet
   * @param limit the limit of every key
   * @param syncInterval each instance's sync interval (instances start at random phases)
   * @param delay one-way network delay between an instance and the store
   * @param duration simulated time
   * @param firstSight how instances answer keys they have no fresh view of
   * @param seed the random stream
   */
  record Config(int instances, int keys, double instanceSkew, double keySkew,
      double arrivalsPerSecond, Limit limit, Duration syncInterval, Duration delay,
      Duration duration, FirstSight firstSight, long seed) {

    Config withSyncInterval(Duration interval) {
      return new Config(instances, keys, instanceSkew, keySkew, arrivalsPerSecond, limit,
          interval, delay, duration, firstSight, seed);
    }

    Config withFirstSight(FirstSight f) {
      return new Config(instances, keys, instanceSkew, keySkew, arrivalsPerSecond, limit,
          syncInterval, delay, duration, f, seed);
    }

    long intervalMicros() {
      return syncInterval.toNanos() / 1_000;
    }

    long delayMicros() {
      return delay.toNanos() / 1_000;
    }

    long durationMicros() {
      return duration.toNanos() / 1_000;
    }
  }

  /**
   * What a run measured.
   *
   * @param decisions requests decided
   * @param exact admitted by one exact limiter on the same requests
   * @param admitted admitted by the fleet
   * @param refused hits the store refused at the syncs (the fleet's own count of its overshoot)
   * @param storeCalls calls to the store (take-up-to and refund calls at the syncs, direct
   *     decisions)
   * @param bound the documented bound on the overshoot for one onset of scarcity per key (see
   *     {@link #bound})
   * @param storeDecisions decisions the store made directly (first sights and stale views with
   *     FirstSight.SYNC, keys short of their lease)
   * @param leased permits the instances leased
   * @param returned leased permits given back unused
   * @param lapsed leased permits that lapsed unused with their window
   */
  record Result(long decisions, long exact, long admitted, long refused, long storeCalls,
      double bound, long storeDecisions, long leased, long returned, long lapsed) {

    long overshoot() {
      return admitted - exact;
    }

    double overshootPercent() {
      return exact == 0 ? 0 : 100.0 * overshoot() / exact;
    }

    double callsPerThousand() {
      return decisions == 0 ? 0 : 1000.0 * storeCalls / decisions;
    }
  }

  private FleetSimulation() {}

  static Result run(Config c) {
    SplittableRandom rnd = new SplittableRandom(c.seed());
    ManualClock clock = new ManualClock(T0);
    EventQueue events = new EventQueue(clock);
    DelayedStore store = new DelayedStore(MemoryBackend.builder().clock(clock).build(), events,
        c.delayMicros());
    List<Limit> limits = List.of(c.limit());
    List<EventualBackend> fleet = new ArrayList<>();
    List<RateLimiter> limiters = new ArrayList<>();
    long interval = c.intervalMicros();
    for (int i = 0; i < c.instances(); i++) {
      EventualBackend b = EventualBackend.builder(store).clock(clock).manualSync()
          .syncInterval(c.syncInterval()).firstSight(c.firstSight()).build();
      fleet.add(b);
      limiters.add(RateLimiter.create(b, limits));
      long phase = rnd.nextLong(interval);
      schedulePeriodic(events, T0 + phase, interval, () -> b.syncNow());
    }
    MemoryBackend exactStore = MemoryBackend.builder().clock(clock).build();
    RateLimiter exact = RateLimiter.create(exactStore, limits);
    Zipf instances = new Zipf(c.instances(), c.instanceSkew());
    Zipf keys = new Zipf(c.keys(), c.keySkew());
    String[] names = new String[c.keys()];
    for (int k = 0; k < names.length; k++) {
      names[k] = "key-" + k;
    }
    long[] counts = new long[3]; // decisions, exact, admitted
    double meanGapMicros = 1_000_000.0 / c.arrivalsPerSecond();
    Runnable[] arrival = new Runnable[1];
    arrival[0] = () -> {
      String key = names[keys.sample(rnd)];
      RateLimiter at = limiters.get(instances.sample(rnd));
      counts[0]++;
      if (exact.tryAcquire(key).allowed()) {
        counts[1]++;
      }
      if (at.tryAcquire(key).allowed()) {
        counts[2]++;
      }
      events.at(events.now() + gap(rnd, meanGapMicros), arrival[0]);
    };
    events.at(T0 + gap(rnd, meanGapMicros), arrival[0]);
    long end = T0 + c.durationMicros();
    events.runUntil(end);
    // Let the last syncs' replies land (no new requests), so every admitted hit was reported.
    events.runUntil(end + 2 * interval + 4 * c.delayMicros());
    long refused = 0;
    long direct = 0;
    long leased = 0;
    long returned = 0;
    long lapsed = 0;
    for (EventualBackend b : fleet) {
      EventualBackend.Counters n = b.counters();
      refused += n.hitsRefused();
      direct += n.storeDecisions();
      leased += n.leased();
      returned += n.leaseReturned();
      lapsed += n.leaseLapsed();
    }
    return new Result(counts[0], counts[1], counts[2], refused, store.calls, bound(c), direct,
        leased, returned, lapsed);
  }

  private static void schedulePeriodic(EventQueue events, long first, long every, Runnable r) {
    events.at(first, new Runnable() {
      @Override
      public void run() {
        r.run();
        events.at(events.now() + every, this);
      }
    });
  }

  /** An exponential gap of the Poisson stream, in whole µs (at least 1). */
  private static long gap(SplittableRandom rnd, double mean) {
    return Math.max(1, Math.round(-mean * Math.log(1 - rnd.nextDouble())));
  }

  /**
   * The bound of docs/distributed.md with expected rates, for one onset of scarcity on every key:
   * each instance overshoots by at most what it admits in one sync interval plus a round trip, and
   * never more than the capacity: {@code sum over keys and instances of min(capacity, rate(key,
   * instance) × (interval + 2 × delay))}. Once a key is scarce, instances lease and stop
   * overshooting: with saturated traffic the onset is paid once per key, not once per window. For
   * the sliding window log, the leases the fleet may hold when a window starts come on top (the
   * same sum over three intervals).
   */
  static double bound(Config c) {
    Zipf instances = new Zipf(c.instances(), c.instanceSkew());
    Zipf keys = new Zipf(c.keys(), c.keySkew());
    double stale = (c.intervalMicros() + 2.0 * c.delayMicros()) / 1_000_000.0;
    double held = 3.0 * c.intervalMicros() / 1_000_000.0;
    boolean log = c.limit().algorithm() == dev.sluice.Algorithm.SLIDING_WINDOW_LOG;
    double sum = 0;
    for (int k = 0; k < c.keys(); k++) {
      for (int i = 0; i < c.instances(); i++) {
        double rate = c.arrivalsPerSecond() * keys.probability(k) * instances.probability(i);
        sum += Math.min(c.limit().capacity(), rate * stale);
        if (log) {
          sum += Math.min(c.limit().capacity(), rate * held);
        }
      }
    }
    return sum;
  }

  /** Ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
  static final class Zipf {
    private final double[] cdf;

    Zipf(int n, double s) {
      cdf = new double[n];
      double total = 0;
      for (int i = 0; i < n; i++) {
        total += 1 / Math.pow(i + 1, s);
        cdf[i] = total;
      }
      for (int i = 0; i < n; i++) {
        cdf[i] /= total;
      }
    }

    double probability(int rank) {
      return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
    }

    int sample(SplittableRandom rnd) {
      double u = rnd.nextDouble();
      int lo = 0;
      int hi = cdf.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }
}
