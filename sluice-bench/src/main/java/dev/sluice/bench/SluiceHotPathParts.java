package dev.sluice.bench;

import dev.sluice.Algorithm;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The pieces of one Sluice memory-backend decision, each alone, in nanoseconds per call: where
 * {@code tryAcquire} spends its time. Public API only, so core internals may change freely.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SluiceHotPathParts {

  /** Sluice's time source: an Instant from the UTC clock, turned into microseconds. */
  @Benchmark
  public long clockSystemNowMicros() {
    return Clock.system().nowMicros();
  }

  /** Guava's and Resilience4j's time source. */
  @Benchmark
  public long systemNanoTime() {
    return System.nanoTime();
  }

  /** Bucket4j's default time source. */
  @Benchmark
  public long systemCurrentTimeMillis() {
    return System.currentTimeMillis();
  }

  /** The key lookup alone, on the workload's keys and visit order. */
  @Benchmark
  public Object mapGet(KeyMap s, KeyCursor keys) {
    return s.map.get(keys.next());
  }

  /** An uncontended monitor enter and exit, as around each key's cell. */
  @Benchmark
  public long monitor(Lock s) {
    synchronized (s) {
      return ++s.count;
    }
  }

  /**
   * A whole Sluice decision (hot key, ADMIT limit) on a clock that stands still: no clock read and
   * nothing to refill. Against the comparison's hot-key ADMIT score, it shows what those cost.
   */
  @Benchmark
  public boolean tryAcquireOnStoppedClock(StoppedClockLimiter s) {
    return s.limiter.tryAcquire("user:0").allowed();
  }

  /** Building the Decision returned to the caller. */
  @Benchmark
  public Decision decision(Answer s) {
    return Decision.allowed(s.limit, s.remaining, s.resetAfter);
  }

  @State(Scope.Benchmark)
  public static class KeyMap {
    final ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();

    @Setup(Level.Trial)
    public void fill(Workload w) {
      for (String key : w.keyNames) {
        map.put(key, new Object());
      }
    }
  }

  @State(Scope.Thread)
  public static class Lock {
    long count;
  }

  @State(Scope.Thread)
  public static class Answer {
    final Limit limit = Limit.perSecond(100);
    long remaining = 99;
    long resetAfter = 10_000;
  }

  @State(Scope.Benchmark)
  public static class StoppedClockLimiter {
    RateLimiter limiter;

    @Setup(Level.Trial)
    public void build() {
      MemoryBackend backend = MemoryBackend.builder()
          .clock(new ManualClock(Clock.system().nowMicros()))
          .build();
      limiter = RateLimiter.create(backend,
          List.of(Mix.ADMIT.sluiceLimit(Algorithm.TOKEN_BUCKET, 1)));
    }
  }
}
