package dev.sluice;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** Conversions between {@link Duration} at the API and integer microseconds inside. */
final class Durations {

  private Durations() {}

  static long toMicros(Duration d, String argument) {
    if (d.getNano() % 1_000 != 0) {
      throw new IllegalArgumentException(
          argument + " must be a whole number of microseconds, was " + d);
    }
    try {
      return d.truncatedTo(ChronoUnit.MICROS).toNanos() / 1_000;
    } catch (ArithmeticException e) {
      return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1_000);
    }
  }

  static Duration ofMicros(long micros) {
    return micros == Long.MAX_VALUE ? Decision.NEVER : Duration.of(micros, ChronoUnit.MICROS);
  }
}
