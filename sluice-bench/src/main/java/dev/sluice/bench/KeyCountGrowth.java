package dev.sluice.bench;

import dev.sluice.Algorithm;
import dev.sluice.RateLimiter;
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
 * How a decision's cost grows with the keys held: Sluice's token bucket (and, for scale, Bucket4j
 * in a ConcurrentHashMap) on 1,000 to 10,000,000 keys, visited in a shuffled order, state kept
 * ({@link Mix#ADMIT}). Run with {@code -p keys=1000,100000,1000000,10000000 -p mix=ADMIT}; the
 * fork has the heap 10 million keys need.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms8g", "-Xmx8g"})
public class KeyCountGrowth {

  @Benchmark
  public void sluice(SluiceKeys s, KeyCursor keys, Admissions answers) {
    answers.record(s.limiter.tryAcquire(keys.next()).allowed());
  }

  @Benchmark
  public void bucket4j(RateLimiterComparison.Bucket4jBuckets s, KeyCursor keys,
      Admissions answers) {
    answers.record(s.buckets.get(keys.next()).tryConsume(1));
  }

  @State(Scope.Benchmark)
  public static class SluiceKeys {
    RateLimiter limiter;

    @Setup(Level.Trial)
    public void build(Workload w) {
      limiter = Contenders.sluice(w.keyNames, w.mix, Algorithm.TOKEN_BUCKET);
    }
  }
}
