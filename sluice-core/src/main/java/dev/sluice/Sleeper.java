package dev.sluice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
   * The JVM's timers: {@link #sleep} parks the thread until the deadline ({@link
   * LockSupport#parkNanos}, precise to tens of microseconds, where {@code Thread.sleep} rounds to
   * whole milliseconds on Java 17); {@link #delay} completes on the JDK's shared delay scheduler
   * thread ({@link CompletableFuture#delayedExecutor}), as {@link CompletableFuture#orTimeout}
   * does: attach {@code ...Async} stages to move heavy work off it.
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
    long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
    for (;;) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for permits");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(this, left);
    }
  }

  @Override
  public CompletionStage<Void> delay(long micros) {
    CompletableFuture<Void> due = new CompletableFuture<>();
    CompletableFuture.delayedExecutor(micros, TimeUnit.MICROSECONDS, Runnable::run)
        .execute(() -> due.complete(null));
    return due;
  }
}
