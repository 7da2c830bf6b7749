package dev.sluice.bench;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.ResourceLimiter;
import dev.sluice.memory.MemoryBackend;
import io.github.bucket4j.Bucket;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

/**
 * One limiter protecting one resource, no keys: Sluice's {@link ResourceLimiter} against one
 * Bucket4j bucket, one Resilience4j limiter and one Guava limiter held directly (no map), and
 * against Sluice's keyed limiter on one hot key. Threads from the command line ({@code -t}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class OneResourceComparison {

  @Benchmark
  public void sluiceResource(Contestants s, Admissions answers) {
    answers.record(s.resource.tryAcquire().allowed());
  }

  @Benchmark
  public void sluiceKeyed(Contestants s, Admissions answers) {
    answers.record(s.keyed.tryAcquire("resource").allowed());
  }

  @Benchmark
  public void bucket4j(Contestants s, Admissions answers) {
    answers.record(s.bucket.tryConsume(1));
  }

  @Benchmark
  public void resilience4j(Contestants s, Admissions answers) {
    answers.record(s.resilience4j.acquirePermission());
  }

  @Benchmark
  public void guava(Contestants s, Admissions answers) {
    answers.record(s.guava.tryAcquire());
  }

  /** Every contender, limited per {@link #mix}; each takes one permit first. */
  @State(Scope.Benchmark)
  public static class Contestants {
    @Param({"ADMIT", "DENY"})
    public Mix mix;

    ResourceLimiter resource;
    RateLimiter keyed;
    Bucket bucket;
    io.github.resilience4j.ratelimiter.RateLimiter resilience4j;
    com.google.common.util.concurrent.RateLimiter guava;

    @Setup(Level.Trial)
    public void build() {
      Limit limit = mix.sluiceLimit(Algorithm.TOKEN_BUCKET, 1);
      resource = RateLimiter.builder(limit).backend(MemoryBackend.create()).name("resource")
          .buildForResource();
      keyed = RateLimiter.create(MemoryBackend.create(), List.of(limit));
      bucket = mix.bucket4j();
      resilience4j = io.github.resilience4j.ratelimiter.RateLimiter.of("r", mix.resilience4j());
      guava = com.google.common.util.concurrent.RateLimiter.create(mix.guavaPermitsPerSecond());
      check(resource.tryAcquire().allowed() && keyed.tryAcquire("resource").allowed()
          && bucket.tryConsume(1) && resilience4j.acquirePermission() && guava.tryAcquire());
    }

    private static void check(boolean allFirstPermits) {
      if (!allFirstPermits) {
        throw new IllegalStateException("setup: a first permit was denied");
      }
    }
  }
}
