package dev.sluice.bench.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.eventual.FirstSight;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The simulation is deterministic, and a small fleet stays within the documented bound. */
class FleetSimulationTest {

  private static FleetSimulation.Config small(FirstSight firstSight, long seed) {
    return new FleetSimulation.Config(4, 2, 1.0, 1.0, 2_000,
        Limit.of(100, Duration.ofSeconds(1), Algorithm.FIXED_WINDOW), Duration.ofMillis(50),
        Duration.ofMillis(1), Duration.ofSeconds(5), firstSight, seed);
  }

  @Test
  void theSameSeedGivesTheSameRun() {
    FleetSimulation.Result a = FleetSimulation.run(small(FirstSight.LOCAL, 7));
    FleetSimulation.Result b = FleetSimulation.run(small(FirstSight.LOCAL, 7));
    assertThat(a).isEqualTo(b);
    assertThat(FleetSimulation.run(small(FirstSight.LOCAL, 8))).isNotEqualTo(a);
  }

  @Test
  void overshootIsCountedByTheFleetAndStaysWithinTheBound() {
    for (long seed = 1; seed <= 10; seed++) {
      FleetSimulation.Result r = FleetSimulation.run(small(FirstSight.SYNC, seed));
      assertThat(r.exact()).as("the traffic saturates the limit").isGreaterThan(900);
      assertThat(r.admitted()).isGreaterThanOrEqualTo(r.exact());
      // Every hit the store refused was admitted beyond what the store allowed.
      assertThat(r.refused()).isLessThanOrEqualTo(r.overshoot() + r.exact());
      assertThat((double) r.overshoot()).as("seed %d: overshoot of %s", seed, r)
          .isLessThanOrEqualTo(r.bound());
    }
  }
}
