package dev.sluice.bench;

import dev.sluice.Algorithm;
import dev.sluice.RateLimiter;
import io.github.bucket4j.Bucket;
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
 * One in-process token bucket decision per call: Sluice's memory backend (token bucket and GCRA,
 * which answer alike) against Bucket4j,
 * Resilience4j and Guava, on the same keys, visit order and {@link Mix}. Thread count comes from
 * the command line ({@code -t}); run.sh runs 1 and 2.
 *
 * <p>Each call looks its key up in a {@link ConcurrentHashMap} (inside Sluice; in the benchmark
 * for the rivals, which have no keys), decides, and records the answer in {@link Admissions}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RateLimiterComparison {

  @Benchmark
  public void sluice(SluiceTokenBucket s, KeyCursor keys, Admissions answers) {
    answers.record(s.limiter.tryAcquire(keys.next()).allowed());
  }

  @Benchmark
  public void sluiceGcra(SluiceGcra s, KeyCursor keys, Admissions answers) {
    answers.record(s.limiter.tryAcquire(keys.next()).allowed());
  }

  @Benchmark
  public void bucket4j(Bucket4jBuckets s, KeyCursor keys, Admissions answers) {
    answers.record(s.buckets.get(keys.next()).tryConsume(1));
  }

  @Benchmark
  public void resilience4j(Resilience4jLimiters s, KeyCursor keys, Admissions answers) {
    answers.record(s.limiters.get(keys.next()).acquirePermission());
  }

  @Benchmark
  public void guava(GuavaLimiters s, KeyCursor keys, Admissions answers) {
    answers.record(s.limiters.get(keys.next()).tryAcquire());
  }

  @State(Scope.Benchmark)
  public static class SluiceTokenBucket {
    RateLimiter limiter;

    @Setup(Level.Trial)
    public void build(Workload w) {
      limiter = Contenders.sluice(w.keyNames, w.mix, Algorithm.TOKEN_BUCKET);
    }
  }

  @State(Scope.Benchmark)
  public static class SluiceGcra {
    RateLimiter limiter;

    @Setup(Level.Trial)
    public void build(Workload w) {
      limiter = Contenders.sluice(w.keyNames, w.mix, Algorithm.GCRA);
    }
  }

  @State(Scope.Benchmark)
  public static class Bucket4jBuckets {
    ConcurrentHashMap<String, Bucket> buckets;

    @Setup(Level.Trial)
    public void build(Workload w) {
      buckets = Contenders.bucket4j(w.keyNames, w.mix);
    }
  }

  @State(Scope.Benchmark)
  public static class Resilience4jLimiters {
    ConcurrentHashMap<String, io.github.resilience4j.ratelimiter.RateLimiter> limiters;

    @Setup(Level.Trial)
    public void build(Workload w) {
      limiters = Contenders.resilience4j(w.keyNames, w.mix);
    }
  }

  @State(Scope.Benchmark)
  public static class GuavaLimiters {
    ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> limiters;

    @Setup(Level.Trial)
    public void build(Workload w) {
      limiters = Contenders.guava(w.keyNames, w.mix);
    }
  }
}
