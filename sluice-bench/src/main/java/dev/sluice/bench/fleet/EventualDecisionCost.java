package dev.sluice.bench.fleet;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.bench.Mix;
import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import dev.sluice.testkit.redis.RedisStandalone;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The cost of one decision in eventual mode against the same decision on the in-memory backend,
 * side by side in one run, in nanoseconds per call: {@code backend=memory} is a
 * {@link MemoryBackend}; {@code backend=eventual} an {@link EventualBackend} (100 ms sync) over a
 * {@link RedisBackend} on a real {@code redis-server} started for the trial, so the syncs, Lettuce
 * and Redis run on the same cores as the measured threads, as they would in production; {@code
 * backend=eventual-memory} the same over an in-process {@link MemoryBackend} as the shared store
 * (the local decision path with cheap syncs).
 *
 * <p>Workload: every call admitted (the {@link Mix#ADMIT} token bucket, which never runs out), on
 * one hot key or on {@code keys} keys visited in a fixed shuffled order, each thread from its own
 * offset. Eventual mode runs with {@link FirstSight#LOCAL}, so that a key visited once per lap of
 * the keys is decided locally from the first call (with {@link FirstSight#SYNC}, a key whose view
 * is older than two intervals is asked from the store, and in a closed loop whose lap is longer
 * than that every call would be a round trip). The admission path measured is the same in both.
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar EventualDecisionCost -t 1 -f 1 -wi 2 -w 1s -i 3 -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class EventualDecisionCost {

  @Param({"memory", "eventual", "eventual-memory"})
  public String backend;

  @Param({"1", "10000"})
  public int keys;

  /**
   * The eventual sync interval, ms: 100 (the default), or a long one to measure the local
   * decision alone, without the syncs' work on the same cores.
   */
  @Param({"100"})
  public long syncMillis;

  String[] order;
  RateLimiter limiter;
  private @Nullable RedisStandalone redis;
  private @Nullable Backend shared;
  private @Nullable EventualBackend eventual;

  @Setup(Level.Trial)
  public void start() {
    List<Limit> limits = List.of(Mix.ADMIT.sluiceLimit(Algorithm.TOKEN_BUCKET, keys));
    Backend b;
    switch (backend) {
      case "memory" -> b = MemoryBackend.create();
      case "eventual", "eventual-memory" -> {
        if (backend.equals("eventual")) {
          redis = RedisStandalone.start();
          shared = RedisBackend.builder(redis.uri()).timeout(Duration.ofSeconds(1)).build();
        } else {
          shared = MemoryBackend.create();
        }
        eventual = EventualBackend.builder(shared).syncInterval(Duration.ofMillis(syncMillis))
            .firstSight(FirstSight.LOCAL).build();
        b = eventual;
      }
      default -> throw new IllegalArgumentException("backend: memory, eventual or"
          + " eventual-memory, was " + backend);
    }
    limiter = RateLimiter.create(b, limits);
    order = new String[keys];
    for (int i = 0; i < keys; i++) {
      order[i] = "user:" + i;
    }
    Random random = new Random(42);
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (String key : order) {
      if (!limiter.tryAcquire(key).allowed()) {
        throw new IllegalStateException("the workload must admit every call: " + key);
      }
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    if (eventual != null) {
      EventualBackend.Counters c = eventual.counters();
      eventual.close();
      System.out.printf("%n%s: %s%n", backend, c);
    }
    if (shared != null) {
      shared.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** One thread's walk through the keys. */
  @State(Scope.Thread)
  public static class Cursor {
    String[] order;
    int next;

    @Setup(Level.Trial)
    public void start(EventualDecisionCost s, ThreadParams thread) {
      order = s.order;
      next = (int) ((long) thread.getThreadIndex() * order.length / thread.getThreadCount());
    }

    String next() {
      String key = order[next];
      if (++next == order.length) {
        next = 0;
      }
      return key;
    }
  }

  @Benchmark
  public Decision tryAcquire(Cursor cursor) {
    return limiter.tryAcquire(cursor.next());
  }
}
