package dev.sluice;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link Sleeper} for tests: sleeping advances a {@link ManualClock} by the time asked and
 * returns at once; {@link #delay} completes at once after advancing it. Records every wait.
 * Thread-safe.
 */
public final class ManualSleeper implements Sleeper {
  private final ManualClock clock;
  private final List<Long> waits = new ArrayList<>();

  public ManualSleeper(ManualClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock must not be null");
  }

  @Override
  public void sleep(long micros) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted before sleeping " + micros + " µs");
    }
    record(micros);
  }

  @Override
  public CompletionStage<Void> delay(long micros) {
    record(micros);
    return CompletableFuture.completedFuture(null);
  }

  /** Every wait asked for so far, in µs, in order. */
  public synchronized List<Long> waits() {
    return List.copyOf(waits);
  }

  private synchronized void record(long micros) {
    waits.add(micros);
    clock.advanceMicros(micros);
  }
}
