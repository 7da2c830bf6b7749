package dev.sluice.bench.redis;

import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/** Ways of loading a limiter: closed loops (throughput) and a fixed-rate open loop (latency). */
final class Drive {

  private Drive() {}

  /** One asynchronous decision; {@code i} is the request's sequence number. */
  interface AsyncCall extends LongFunction<CompletionStage<?>> {}

  /** One blocking decision. */
  interface BlockingCall {
    void call(long i) throws Exception;
  }

  /** A closed-loop run: decisions per second in the measured window, and all decisions made. */
  record Run(double perSecond, long total) {}

  /**
   * Decisions per second with {@code inFlight} requests outstanding at all times, issued by
   * {@code submitters} threads: warms up, then counts completions over {@code seconds}.
   */
  static Run async(AsyncCall call, int submitters, int inFlight, double warmupSeconds,
      double seconds) throws InterruptedException {
    LongAdder done = new LongAdder();
    LongAdder failed = new LongAdder();
    Semaphore window = new Semaphore(inFlight);
    long start = System.nanoTime();
    long warm = start + (long) (warmupSeconds * 1e9);
    long end = warm + (long) (seconds * 1e9);
    long[] counted = new long[2];
    Thread[] threads = new Thread[submitters];
    for (int t = 0; t < submitters; t++) {
      long offset = (long) t << 40;
      threads[t] = new Thread(() -> {
        long i = offset;
        try {
          while (System.nanoTime() < end) {
            if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
              continue;
            }
            call.apply(i++).whenComplete((r, e) -> {
              if (e != null) {
                failed.increment();
              }
              done.increment();
              window.release();
            });
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "load-" + t);
      threads[t].start();
    }
    sleepUntil(warm);
    counted[0] = done.sum();
    sleepUntil(end);
    counted[1] = done.sum();
    for (Thread t : threads) {
      t.join();
    }
    window.acquire(inFlight); // let the last requests finish before the next measurement
    if (failed.sum() > 0) {
      throw new IllegalStateException(failed.sum() + " requests failed");
    }
    return new Run((counted[1] - counted[0]) / seconds, done.sum());
  }

  /** Decisions per second from {@code threads} threads each calling {@code call} in a loop. */
  static Run blocking(BlockingCall call, int threads, double warmupSeconds, double seconds)
      throws InterruptedException {
    LongAdder done = new LongAdder();
    long start = System.nanoTime();
    long warm = start + (long) (warmupSeconds * 1e9);
    long end = warm + (long) (seconds * 1e9);
    Thread[] workers = new Thread[threads];
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < threads; t++) {
      long offset = (long) t << 40;
      workers[t] = new Thread(() -> {
        long i = offset;
        try {
          while (System.nanoTime() < end) {
            call.call(i++);
            done.increment();
          }
        } catch (Exception e) {
          failure[0] = e;
        }
      }, "blocking-" + t);
      workers[t].start();
    }
    sleepUntil(warm);
    long before = done.sum();
    sleepUntil(end);
    long after = done.sum();
    for (Thread t : workers) {
      t.join();
    }
    if (failure[0] != null) {
      throw new IllegalStateException("a blocking call failed", failure[0]);
    }
    return new Run((after - before) / seconds, done.sum());
  }

  /** Latency percentiles in µs (p50, p99, p99.9) and the rate achieved. */
  record Latency(double p50, double p99, double p999, double perSecond) {}

  /**
   * Requests at a fixed {@code perSecond} rate (open loop: a slow answer never delays the next
   * request), each timed from its call to its decision; the first second is warm-up. The sender
   * parks between requests rather than spinning, so it leaves the CPU to the client and server.
   */
  static Latency fixedRate(AsyncCall call, int perSecond, double seconds)
      throws InterruptedException {
    int warmup = perSecond;
    int total = warmup + (int) (perSecond * seconds);
    AtomicLongArray micros = new AtomicLongArray(total);
    long interval = 1_000_000_000L / perSecond;
    LongAdder done = new LongAdder();
    long start = System.nanoTime();
    long measuredFrom = 0;
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      long now;
      while ((now = System.nanoTime()) < due) {
        LockSupport.parkNanos(due - now);
      }
      if (i == warmup) {
        measuredFrom = now;
      }
      int n = i;
      long sent = System.nanoTime();
      call.apply(i).whenComplete((r, e) -> {
        micros.set(n, e != null ? Long.MAX_VALUE : (System.nanoTime() - sent) / 1_000);
        done.increment();
      });
    }
    double achieved = (total - warmup) / ((System.nanoTime() - measuredFrom) / 1e9);
    while (done.sum() < total) {
      Thread.sleep(1);
    }
    long[] measured = new long[total - warmup];
    for (int i = warmup; i < total; i++) {
      measured[i - warmup] = micros.get(i);
    }
    Arrays.sort(measured);
    return new Latency(at(measured, 0.50), at(measured, 0.99), at(measured, 0.999), achieved);
  }

  private static double at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000));
    }
  }
}
