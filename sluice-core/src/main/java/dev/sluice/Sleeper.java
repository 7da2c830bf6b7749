package dev.sluice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * How a limiter waits for reserved permits: blocking ({@link #sleep}) or without holding a thread
 * ({@link #delay}). Production code uses {@link #system()}; tests pass a {@link ManualSleeper},
 * which advances a {@link ManualClock} instead of sleeping.
 */
public interface Sleeper {

  /** Blocks the calling thread for {@code micros} (> 0). */
  void sleep(long micros) throws InterruptedException;

  /**
   * A stage that completes once {@code micros} (> 0) have passed, on a scheduler: no thread is
   * parked per waiter.
   */
  CompletionStage<Void> delay(long micros);

  /**
   * {@link java.util.concurrent.locks.LockSupport#parkNanos}-based sleeping, and delays on the
   * JDK's shared delay scheduler ({@link CompletableFuture#delayedExecutor}), completing on the
   * common pool.
   */
  static Sleeper system() {
    return SystemSleeper.INSTANCE;
  }
}

/** The JVM's own timers. */
enum SystemSleeper implements Sleeper {
  INSTANCE;

  @Override
  public void sleep(long micros) throws InterruptedException {
    TimeUnit.MICROSECONDS.sleep(micros);
  }

  @Override
  public CompletionStage<Void> delay(long micros) {
    return CompletableFuture.runAsync(() -> {},
        CompletableFuture.delayedExecutor(micros, TimeUnit.MICROSECONDS));
  }
}
