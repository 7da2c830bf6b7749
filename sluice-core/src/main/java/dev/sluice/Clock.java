package dev.sluice;

import java.time.Instant;

/**
 * The one source of time for decisions in Sluice, in integer microseconds since the Unix epoch.
 *
 * <p>Algorithms never read the system clock themselves: they are handed {@link #nowMicros()} by
 * their backend. Production code uses {@link #system()}; tests use {@link ManualClock} and never
 * sleep.
 */
@FunctionalInterface
public interface Clock {

  /** The current time in microseconds since 1970-01-01T00:00:00Z. */
  long nowMicros();

  /**
   * This JVM's clock: the wall clock read once, when first used, then advanced by the monotonic
   * {@link System#nanoTime()}. It never jumps when the wall clock is stepped (NTP, an operator),
   * it follows the wall clock's rate (Linux slews the monotonic clock with NTP), and a read costs
   * one {@code nanoTime}, about a third less than reading the wall clock in microseconds. After
   * the host is suspended it runs behind the wall clock by the time suspended; limits are about
   * intervals, so only the alignment of fixed windows to wall-clock boundaries moves.
   */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}

/**
 * The only place in Sluice that reads system time for a decision. Operational timers that never
 * reach a decision (the Redis circuit breaker's open period, throttled log lines, latency
 * metrics such as the enforcement layer's per-limiter timing, the rules reload timestamp, the
 * Redis and service warm-ups' deadlines, the Redis backend's start period, which only chooses how
 * long a decision waits for Redis, the eventual mode's sync scheduler, which only decides when a
 * sync runs, the service's file poller and drain period, the dashboard's timestamps and the
 * top-clients view's minutes (given the system clock by the service, injected in tests), the
 * spans of tracing, and the test harness's waits and pacing) read {@code System.nanoTime()} or
 * {@code Instant.now()}, or run on a scheduled executor, themselves.
 */
enum SystemClock implements Clock {
  INSTANCE;

  private static final long ORIGIN_NANOS;
  private static final long ORIGIN_MICROS;

  static {
    Instant wall = java.time.Clock.systemUTC().instant();
    ORIGIN_NANOS = System.nanoTime();
    ORIGIN_MICROS = Math.addExact(Math.multiplyExact(wall.getEpochSecond(), 1_000_000L),
        wall.getNano() / 1_000);
  }

  @Override
  public long nowMicros() {
    return ORIGIN_MICROS + (System.nanoTime() - ORIGIN_NANOS) / 1_000;
  }
}
