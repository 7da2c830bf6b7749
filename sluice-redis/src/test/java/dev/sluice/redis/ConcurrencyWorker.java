package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The other process of {@link CrossProcessConcurrencyTest}: for each algorithm, waits for a "go"
 * line on stdin, hammers one key from several threads, and prints how many requests were admitted.
 *
 * <p>Arguments: uri, key prefix, fixed time (µs), count, threads, requests per thread.
 */
public final class ConcurrencyWorker {

  private ConcurrencyWorker() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String prefix = args[1];
    long now = Long.parseLong(args[2]);
    long count = Long.parseLong(args[3]);
    int threads = Integer.parseInt(args[4]);
    int each = Integer.parseInt(args[5]);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (RedisBackend redis = RedisBackend.builder(uri).keyPrefix(prefix).clock(() -> now)
        .timeout(Duration.ofSeconds(10)).failurePolicy(FailurePolicy.FAIL_CLOSED).build()) {
      System.out.println("READY");
      System.out.flush();
      for (Algorithm a : Algorithm.values()) {
        if (!"go".equals(in.readLine())) {
          return;
        }
        System.out.println(hammer(redis, a, count, threads, each));
        System.out.flush();
      }
    }
  }

  /** Admissions of {@code threads × each} single-permit requests on one key. */
  static int hammer(RedisBackend redis, Algorithm a, long count, int threads, int each)
      throws Exception {
    RateLimiter limiter = RateLimiter.create(redis,
        List.of(Limit.builder(count, Duration.ofHours(1)).algorithm(a).build()));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        parts.add(pool.submit(() -> {
          int admitted = 0;
          for (int i = 0; i < each; i++) {
            var d = limiter.tryAcquire("hot");
            if (d.degraded()) {
              throw new IllegalStateException("degraded: " + d);
            }
            admitted += d.allowed() ? 1 : 0;
          }
          return admitted;
        }));
      }
      int total = 0;
      for (Future<Integer> f : parts) {
        total += f.get();
      }
      return total;
    } finally {
      pool.shutdown();
    }
  }
}
