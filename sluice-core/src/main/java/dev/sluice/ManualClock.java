package dev.sluice;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when told to: for tests and simulations. Thread-safe.
 */
public final class ManualClock implements Clock {

  private final AtomicLong micros;

  /** A clock standing at the epoch (time 0), so windows line up with round numbers. */
  public ManualClock() {
    this(0);
  }

  /** A clock standing at {@code startMicros} microseconds since the epoch. */
  public ManualClock(long startMicros) {
    this.micros = new AtomicLong(startMicros);
  }

  @Override
  public long nowMicros() {
    return micros.get();
  }

  /** Moves the clock forward (or back, if negative) by {@code delta}. */
  public ManualClock advance(Duration delta) {
    return advanceMicros(Durations.toMicros(delta, "delta"));
  }

  /** Moves the clock by {@code deltaMicros} microseconds. */
  public ManualClock advanceMicros(long deltaMicros) {
    micros.addAndGet(deltaMicros);
    return this;
  }

  /** Sets the clock to {@code nowMicros} microseconds since the epoch. */
  public ManualClock setMicros(long nowMicros) {
    micros.set(nowMicros);
    return this;
  }

  @Override
  public String toString() {
    return "ManualClock[" + micros.get() + "µs]";
  }
}
