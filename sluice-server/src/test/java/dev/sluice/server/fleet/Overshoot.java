package dev.sluice.server.fleet;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The documented overshoot bound of the eventual mode (docs/distributed.md, "The overshoot
 * bound"), computed from a run's own arrivals: per window, {@code Σ_i min(C, a_i)}, where {@code
 * a_i} is the most requests for the key instance {@code i} received within any span of {@code
 * I + 2δ} (sync interval plus the round trip).
 */
final class Overshoot {

  /**
   * The {@code 2δ} allowance: the sync round trip plus the time a sync thread may wait for a CPU
   * on a busy two-core machine running three service JVMs, the test and Redis. Generous on
   * purpose; the assertions stay meaningful because the tests also check that the bound is below
   * {@code (N - 1) x C}, the excess of a fleet that never synced.
   */
  static final Duration DELAY = Duration.ofMillis(200);

  private Overshoot() {}

  /** {@code Σ_i min(capacity, a_i)} over the instances of the run, for one key. */
  static long bound(Load.Run run, Duration syncInterval, long capacity, @Nullable String user) {
    long sum = 0;
    for (int i = 0; i < run.instances(); i++) {
      sum += Math.min(capacity, run.maxArrivals(i, syncInterval.plus(DELAY), user));
    }
    return sum;
  }
}
