package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SystemClockTest {

  private static long wallMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  @Test
  void startsAtTheWallClockAndNeverGoesBack() {
    long before = wallMicros();
    long first = Clock.system().nowMicros();
    long after = wallMicros();
    // Anchored to the wall clock when first read (here or earlier in this JVM): within a second.
    assertThat(first).isBetween(before - 1_000_000L, after + 1_000_000L);
    long previous = first;
    for (int i = 0; i < 100_000; i++) {
      long now = Clock.system().nowMicros();
      assertThat(now).isGreaterThanOrEqualTo(previous);
      previous = now;
    }
  }
}
