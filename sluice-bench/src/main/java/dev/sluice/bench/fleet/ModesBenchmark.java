package dev.sluice.bench.fleet;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.redis.RedisBackend;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decisions per second of one instance's limiter, consistent (every decision one Redis script
 * call, coalesced per lane) vs eventual (local decisions, hits synced every interval), against
 * one real {@code redis-server} started for the run, in alternating rounds of the same run; and
 * the Redis commands each mode sends per 1000 decisions ({@code INFO commandstats} delta).
 *
 * <p>Workload: {@code keys} keys picked uniformly at random, limit {@code 1000/second} token
 * bucket per key (never exhausted at the rates reached, so every decision is an admission that
 * must be counted). Consistent mode is driven asynchronously with {@code inFlight} decisions
 * outstanding per thread (its best case: Redis sees full batches); eventual mode synchronously
 * (a local decision never waits), with {@link FirstSight#LOCAL} (see the comment in {@link
 * #main}), and prints its counters (local and store decisions).
 *
 * <pre>
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.fleet.ModesBenchmark \
 *     [seconds=5] [threads=2] [keys=10000] [rounds=3] [syncMillis=100] [inFlight=256]
 * </pre>
 */
public final class ModesBenchmark {

  private ModesBenchmark() {}

  /**
   * One measured window: decisions per second; Redis commands sent (by clients: script calls) and
   * executed (including the {@code GET}/{@code SET}/{@code TIME} the scripts run) per 1000
   * decisions.
   */
  record Window(String mode, double perSecond, long decisions, Commands commands) {
    double sentPer1000() {
      return decisions == 0 ? 0 : commands.sent() * 1000.0 / decisions;
    }

    double executedPer1000() {
      return decisions == 0 ? 0 : commands.executed() * 1000.0 / decisions;
    }
  }

  /** Redis command counts from {@code INFO commandstats}. */
  record Commands(long sent, long executed) {
    Commands minus(Commands o) {
      return new Commands(sent - o.sent, executed - o.executed);
    }
  }

  public static void main(String[] args) throws Exception {
    double seconds = arg(args, 0, 5);
    int threads = (int) arg(args, 1, 2);
    int keys = (int) arg(args, 2, 10_000);
    int rounds = (int) arg(args, 3, 3);
    long syncMillis = (long) arg(args, 4, 100);
    int inFlight = (int) arg(args, 5, 256);
    List<Limit> limits = List.of(Limit.of(1000, Duration.ofSeconds(1), Algorithm.TOKEN_BUCKET));
    String[] names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "bench:" + i;
    }
    try (RedisStandalone redis = RedisStandalone.start()) {
      RedisBackend backend = RedisBackend.builder(redis.uri()).timeout(Duration.ofSeconds(1))
          .build();
      // LOCAL: a closed loop that starts with every key a first sight decided by Redis (a round
      // trip each) visits each key less often than every two intervals, so with SYNC every view
      // would be stale again at its next visit and every decision a round trip; the steady
      // state, every decision from a fresh local view, is the same path either way.
      EventualBackend eventual = EventualBackend.builder(backend)
          .syncInterval(Duration.ofMillis(syncMillis)).firstSight(FirstSight.LOCAL).build();
      RateLimiter consistent = RateLimiter.create(backend, limits);
      RateLimiter local = RateLimiter.create(eventual, limits);
      List<Window> windows = new ArrayList<>();
      try {
        // warm-up of both paths (JIT, connection, script cache)
        asyncLoop(consistent, names, threads, inFlight, 2, redis.node());
        syncLoop(local, names, threads, 2, redis.node(), "eventual");
        syncLoop(consistent, names, threads, 1, redis.node(), "consistent blocking");
        for (int r = 0; r < rounds; r++) {
          windows.add(asyncLoop(consistent, names, threads, inFlight, seconds, redis.node()));
          windows.add(syncLoop(consistent, names, threads, seconds, redis.node(),
              "consistent blocking"));
          windows.add(syncLoop(local, names, threads, seconds, redis.node(), "eventual"));
        }
        EventualBackend.Counters c = eventual.counters();
        System.out.println(report(windows, threads, keys, syncMillis, inFlight, c));
      } finally {
        eventual.close();
        backend.close();
      }
    }
  }

  private static double arg(String[] args, int i, double fallback) {
    return args.length > i ? Double.parseDouble(args[i]) : fallback;
  }

  /**
   * {@code threads} threads deciding in a closed loop, one decision at a time each, for {@code
   * seconds}: eventual mode (local decisions), or consistent mode waiting for each answer.
   */
  static Window syncLoop(RateLimiter limiter, String[] names, int threads, double seconds,
      RedisNode redis, String mode) throws InterruptedException {
    LongAdder done = new LongAdder();
    LongAdder denied = new LongAdder();
    Commands commandsBefore = commands(redis);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long n = 0;
        long no = 0;
        while ((n & 63) != 0 || System.nanoTime() < end) {
          Decision d = limiter.tryAcquire(names[rnd.nextInt(names.length)]);
          if (!d.allowed()) {
            no++;
          }
          n++;
        }
        done.add(n);
        denied.add(no);
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    // the hits of this window reach Redis at the next sync(s): count their commands too
    Thread.sleep(500);
    Commands commands = commands(redis).minus(commandsBefore);
    if (denied.sum() > 0) {
      System.err.println(mode + ": " + denied.sum() + " denied (limit reached)");
    }
    return new Window(mode, done.sum() / elapsed, done.sum(), commands);
  }

  /** Consistent: {@code inFlight} asynchronous decisions outstanding per thread. */
  static Window asyncLoop(RateLimiter limiter, String[] names, int threads, int inFlight,
      double seconds, RedisNode redis) throws InterruptedException {
    LongAdder done = new LongAdder();
    Commands commandsBefore = commands(redis);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      Semaphore window = new Semaphore(inFlight);
      Thread w = new Thread(() -> {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        try {
          while (System.nanoTime() < end) {
            window.acquire();
            CompletionStage<Decision> f =
                limiter.tryAcquireAsync(names[rnd.nextInt(names.length)], 1);
            f.whenComplete((d, e) -> {
              done.increment();
              window.release();
            });
          }
          if (!window.tryAcquire(inFlight, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("decisions still outstanding after 30 s");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    Commands commands = commands(redis).minus(commandsBefore);
    return new Window("consistent async", done.sum() / elapsed, done.sum(), commands);
  }

  /**
   * Commands Redis has executed, from {@code INFO commandstats} (without the benchmark's own
   * {@code INFO} calls): sent = the script calls clients sent ({@code EVALSHA}, {@code EVAL},
   * {@code SCRIPT}); executed = every command, including those run inside scripts.
   */
  static Commands commands(RedisNode redis) {
    String info = redis.commands().info("commandstats");
    long sent = 0;
    long executed = 0;
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
        int at = line.indexOf("calls=");
        long calls = Long.parseLong(line.substring(at + 6, line.indexOf(',', at)));
        executed += calls;
        if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")
            || line.startsWith("cmdstat_script")) {
          sent += calls;
        }
      }
    }
    return new Commands(sent, executed);
  }

  static String report(List<Window> windows, int threads, int keys, long syncMillis,
      int inFlight, EventualBackend.Counters c) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "threads %d, keys %d, sync interval %d ms, consistent"
        + " async in-flight %d per thread%n%n", threads, keys, syncMillis, inFlight));
    sb.append("| round | eventual decisions/s | consistent async decisions/s | ratio |"
        + " consistent blocking decisions/s | ratio |\n|---|---|---|---|---|---|\n");
    List<Double> asyncRatios = new ArrayList<>();
    List<Double> blockingRatios = new ArrayList<>();
    for (int i = 0; i + 2 < windows.size(); i += 3) {
      Window a = windows.get(i);
      Window b = windows.get(i + 1);
      Window e = windows.get(i + 2);
      asyncRatios.add(e.perSecond() / a.perSecond());
      blockingRatios.add(e.perSecond() / b.perSecond());
      sb.append(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %.0f× | %,.0f | %.0f× |%n",
          i / 3 + 1, e.perSecond(), a.perSecond(), e.perSecond() / a.perSecond(),
          b.perSecond(), e.perSecond() / b.perSecond()));
    }
    asyncRatios.sort(null);
    blockingRatios.sort(null);
    sb.append(String.format(Locale.ROOT, "%nmedian ratio: %.0f× (vs async), %.0f× (vs blocking)"
        + "%n%n", asyncRatios.get(asyncRatios.size() / 2),
        blockingRatios.get(blockingRatios.size() / 2)));
    sb.append("| round | mode | Redis commands sent per 1000 decisions | commands executed"
        + " (incl. inside scripts) per 1000 decisions |\n|---|---|---|---|\n");
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      sb.append(String.format(Locale.ROOT, "| %d | %s | %.3f | %.3f |%n", i / 3 + 1, w.mode(),
          w.sentPer1000(), w.executedPer1000()));
    }
    sb.append(String.format(Locale.ROOT, "%neventual counters: syncs %d, keys sent %d, hits sent"
        + " %d, hits refused %d, store failures %d, local decisions %d, store decisions %d%n",
        c.syncs(), c.keysSent(), c.hitsSent(), c.hitsRefused(), c.storeFailures(),
        c.localDecisions(), c.storeDecisions()));
    return sb.toString();
  }
}
