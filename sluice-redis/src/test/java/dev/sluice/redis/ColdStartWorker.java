package dev.sluice.redis;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A fresh library JVM, as an application starts one: builds a {@link RedisBackend} with the
 * default settings (50 ms timeout, {@code FAIL_OPEN}), prints {@code READY <build ms>}, waits for
 * a {@code go} line, then fires {@code burst} decisions on one key at once from {@code threads}
 * threads (each submits its share asynchronously, all released together) and prints {@code
 * <admitted> <degraded> <slowest decision ms>}.
 *
 * <p>Arguments: uri, key, limit per minute, burst, threads, warm-up ({@code true} as {@code
 * build()} does by default; {@code false} to see what a cold JVM does without it).
 */
public final class ColdStartWorker {

  private ColdStartWorker() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String key = args[1];
    long limit = Long.parseLong(args[2]);
    int burst = Integer.parseInt(args[3]);
    int threads = Integer.parseInt(args[4]);
    boolean warmUp = Boolean.parseBoolean(args[5]);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    long start = System.nanoTime();
    try (RedisBackend redis = RedisBackend.builder(uri).warmUp(warmUp).build()) {
      long buildMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      RateLimiter limiter = RateLimiter.create(redis, List.of(Limit.perMinute(limit)));
      System.out.println("READY " + buildMs);
      System.out.flush();
      if (!"go".equals(in.readLine())) {
        return;
      }
      CountDownLatch gate = new CountDownLatch(1);
      List<List<CompletableFuture<Decision>>> parts = new ArrayList<>();
      long[] slowest = new long[1];
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int share = burst / threads + (t < burst % threads ? 1 : 0);
        List<CompletableFuture<Decision>> mine = new ArrayList<>(share);
        parts.add(mine);
        Thread sender = new Thread(() -> {
          try {
            gate.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < share; i++) {
            long sent = System.nanoTime();
            mine.add(limiter.tryAcquireAsync(key, 1).toCompletableFuture()
                .whenComplete((d, e) -> {
                  long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                  synchronized (slowest) {
                    slowest[0] = Math.max(slowest[0], ms);
                  }
                }));
          }
        });
        sender.start();
        senders.add(sender);
      }
      gate.countDown();
      for (Thread t : senders) {
        t.join();
      }
      int admitted = 0;
      int degraded = 0;
      for (List<CompletableFuture<Decision>> part : parts) {
        for (CompletableFuture<Decision> f : part) {
          Decision d = f.get(10, TimeUnit.SECONDS);
          admitted += d.allowed() ? 1 : 0;
          degraded += d.degraded() ? 1 : 0;
        }
      }
      synchronized (slowest) {
        System.out.println(admitted + " " + degraded + " " + slowest[0]);
      }
      System.out.flush();
      in.readLine(); // stay connected until told (or stdin closes)
    }
    System.exit(0);
  }
}
