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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Every Sluice algorithm on the memory backend, on the same workload as the comparison. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SluiceAlgorithms {

  @Benchmark
  public void tryAcquire(Limiter s, KeyCursor keys, Admissions answers) {
    answers.record(s.limiter.tryAcquire(keys.next()).allowed());
  }

  @State(Scope.Benchmark)
  public static class Limiter {
    @Param({"TOKEN_BUCKET", "GCRA", "FIXED_WINDOW", "SLIDING_WINDOW_LOG", "SLIDING_WINDOW_COUNTER"})
    public Algorithm algorithm;

    RateLimiter limiter;

    @Setup(Level.Trial)
    public void build(Workload w) {
      limiter = Contenders.sluice(w.keyNames, w.mix, algorithm);
    }
  }
}
