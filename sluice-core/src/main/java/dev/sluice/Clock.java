package dev.sluice;

import java.time.Instant;

/**
 * The one source of time in Sluice, in integer microseconds since the Unix epoch.
 *
 * <p>Algorithms never read the system clock themselves: they are handed {@link #nowMicros()} by
 * their backend. Production code uses {@link #system()}; tests use {@link ManualClock} and never
 * sleep.
 */
@FunctionalInterface
public interface Clock {

  /** The current time in microseconds since 1970-01-01T00:00:00Z. */
  long nowMicros();

  /** The wall clock of this JVM, at microsecond resolution where the platform provides it. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}

/** Reads {@link java.time.Clock#systemUTC()}; the only place in Sluice that reads system time. */
enum SystemClock implements Clock {
  INSTANCE;

  private static final java.time.Clock UTC = java.time.Clock.systemUTC();

  @Override
  public long nowMicros() {
    Instant now = UTC.instant();
    return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
  }
}
