package dev.sluice.bench;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.ResourceLimiter;
import dev.sluice.Sleeper;
import dev.sluice.memory.MemoryBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * Waiting for a permit, measured: {@code n} threads (default 1,000) call {@code acquire(1, 10 s)}
 * at once on one limiter of 1,000 permits a second (burst 1), then the same with {@code
 * acquireAsync} from one thread. Each waiter's due time is when its wait began plus the wait its
 * reservation got; the report gives how late waiters woke after their due time (distribution),
 * the share within 1 ms, and how many woke out of their reservation order by more than 1 ms.
 *
 * <pre>java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.WaitingFairness [n]</pre>
 */
public final class WaitingFairness {

  /** One wait: when it was due and when it ended, in System.nanoTime() terms. */
  record Wait(long due, long woke) {
    long lateNanos() {
      return woke - due;
    }
  }

  /** The system sleeper, recording every wait. */
  static final class RecordingSleeper implements Sleeper {
    final ConcurrentLinkedQueue<Wait> waits = new ConcurrentLinkedQueue<>();

    @Override
    public void sleep(long micros) throws InterruptedException {
      long due = System.nanoTime() + micros * 1_000;
      Sleeper.system().sleep(micros);
      waits.add(new Wait(due, System.nanoTime()));
    }

    @Override
    public CompletionStage<Void> delay(long micros) {
      long due = System.nanoTime() + micros * 1_000;
      return Sleeper.system().delay(micros).thenRun(() -> waits.add(new Wait(due, System.nanoTime())));
    }
  }

  private WaitingFairness() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    System.out.printf(Locale.ROOT, "%d waiters on one limiter of 1000/s, burst 1%n", n);
    blocking(n);
    async(n);
  }

  private static ResourceLimiter limiter(Sleeper sleeper) {
    return RateLimiter.builder(Limit.builder("1000/second").burst(1).build())
        .backend(MemoryBackend.create()).name("downstream").sleeper(sleeper).buildForResource();
  }

  private static void blocking(int n) throws InterruptedException {
    RecordingSleeper sleeper = new RecordingSleeper();
    ResourceLimiter limiter = limiter(sleeper);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long[] granted = new long[1];
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        Decision d = limiter.acquire(1, Duration.ofSeconds(10));
        if (d.allowed()) {
          synchronized (granted) {
            granted[0]++;
          }
        }
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    report("blocking acquire, one thread per waiter", n, granted[0], sleeper);
  }

  private static void async(int n) {
    RecordingSleeper sleeper = new RecordingSleeper();
    ResourceLimiter limiter = limiter(sleeper);
    List<CompletableFuture<Decision>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(limiter.acquireAsync(1, Duration.ofSeconds(10)).toCompletableFuture());
    }
    long granted = all.stream().map(CompletableFuture::join).filter(Decision::allowed).count();
    report("acquireAsync, no thread per waiter", n, granted, sleeper);
  }

  private static void report(String name, int n, long granted, RecordingSleeper sleeper) {
    Wait[] waits = sleeper.waits.toArray(new Wait[0]);
    Arrays.sort(waits, Comparator.comparingLong(Wait::due));
    double[] lateMs = new double[waits.length];
    int within = 0;
    int outOfOrder = 0;
    for (int i = 0; i < waits.length; i++) {
      lateMs[i] = waits[i].lateNanos() / 1e6;
      within += waits[i].lateNanos() <= 1_000_000 ? 1 : 0;
      if (i > 0 && waits[i].woke() < waits[i - 1].woke() - 1_000_000) {
        outOfOrder++;
      }
    }
    double[] sorted = lateMs.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "%n%s: %d of %d granted, %d waited%n", name, granted, n,
        waits.length);
    System.out.printf(Locale.ROOT,
        "  late after due (ms): min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
        at(sorted, 0), at(sorted, 0.5), at(sorted, 0.9), at(sorted, 0.99), at(sorted, 0.999),
        at(sorted, 1));
    System.out.printf(Locale.ROOT, "  within 1 ms of due: %d of %d (%.1f%%)%n", within,
        waits.length, waits.length == 0 ? 100.0 : 100.0 * within / waits.length);
    System.out.printf(Locale.ROOT,
        "  woke before a waiter reserved earlier, by more than 1 ms: %d%n", outOfOrder);
  }

  private static double at(double[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  }
}
