package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Eventual mode across a fleet of real processes on a real Redis, for every algorithm: three JVMs
 * ({@link EventualFleetWorker}), each an {@code EventualBackend} with its own sync thread, send
 * one key skewed saturated traffic (150, 100 and 50 requests/s against a limit of 20 per second,
 * buckets with a burst of 4) for five seconds. The same requests, merged in time order, go
 * through one exact limiter: the fleet may admit beyond it by at most the documented bound
 * (docs/distributed.md, "The overshoot bound"), computed from the run's own arrivals. Without
 * leases (each instance spending its view of the store's remaining), this fails: a bucket's
 * refill is spent by every instance that sees it, every round, and a window's limit is exceeded
 * once per window.
 */
@ExtendWith(RealRedis.class)
class EventualFleetTest {

  static final long COUNT = 20;
  static final double[] RATES = {150, 100, 50};
  static final double SECONDS = 5;
  static final long SYNC_MILLIS = 100;
  /**
   * The round-trip allowance {@code 2δ}: a sync call's round trip plus the time a sync thread may
   * wait for a CPU on a busy two-core machine running three JVMs and Redis.
   */
  static final long DELAY_MICROS = 200_000;

  /** One request: when (µs, the instance's clock), where, admitted. */
  record Request(long at, int instance, boolean admitted) {}

  @Test
  void threeProcessesStayWithinTheBoundForEveryAlgorithm(RedisStandalone server)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> workers = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    List<Writer> ins = new ArrayList<>();
    try {
      for (double rate : RATES) {
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            EventualFleetWorker.class.getName(), server.uri(), "fleet:", Double.toString(rate),
            Double.toString(SECONDS), Long.toString(COUNT), Long.toString(SYNC_MILLIS))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        workers.add(p);
        outs.add(new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
        ins.add(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
      }
      for (BufferedReader out : outs) {
        assertThat(out.readLine()).isEqualTo("READY");
      }
      for (Algorithm algorithm : Algorithm.values()) {
        String key = "k-" + algorithm.name().toLowerCase();
        for (Writer in : ins) {
          in.write("go " + algorithm + " " + key + "\n");
          in.flush();
        }
        List<Request> requests = new ArrayList<>();
        long refused = 0;
        long failures = 0;
        String[] counters = new String[RATES.length];
        for (int i = 0; i < RATES.length; i++) {
          String[] done = outs.get(i).readLine().split(" ");
          assertThat(done[0]).isEqualTo("DONE");
          for (String r : done[1].split(",")) {
            int colon = r.indexOf(':');
            requests.add(new Request(Long.parseLong(r.substring(0, colon)), i,
                r.charAt(colon + 1) == '1'));
          }
          refused += Long.parseLong(done[2]);
          failures += Long.parseLong(done[3]);
          counters[i] = String.join("/", Arrays.copyOfRange(done, 4, done.length));
        }
        long admitted = requests.stream().filter(Request::admitted).count();
        long exact = exact(algorithm, key, requests);
        long bound = bound(algorithm, requests);
        long apart = 0; // what the instances would admit each on its own: a fleet never synced
        for (int i = 0; i < RATES.length; i++) {
          int instance = i;
          apart += exact(algorithm, key, requests.stream().filter(r -> r.instance() == instance)
              .toList());
        }
        String line = String.format("%s: %d requests, exact %d, fleet %d (overshoot %d), bound %d,"
            + " refused %d; leased/returned/lapsed/direct per instance %s", algorithm,
            requests.size(), exact, admitted, admitted - exact, bound, refused,
            String.join(" ", counters));
        System.out.println("eventual fleet, " + line);
        assertThat(failures).as(line).isZero();
        assertThat(bound).as("the bound is below what a fleet that never synced admits beyond the"
            + " limit (%d): %s", apart - exact, line).isLessThan(apart - exact);
        assertThat(admitted - exact).as(line).isLessThanOrEqualTo(bound);
        assertThat(admitted).as("the leases do not starve the fleet: " + line)
            .isGreaterThanOrEqualTo(exact * 3 / 4);
      }
      for (Writer in : ins) {
        in.write("exit\n");
        in.flush();
      }
      for (Process p : workers) {
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
      }
    } finally {
      workers.forEach(Process::destroyForcibly);
    }
  }

  /** What one exact limiter admits for the same requests, in time order. */
  static long exact(Algorithm algorithm, String key, List<Request> requests) {
    List<Request> sorted = new ArrayList<>(requests);
    sorted.sort((a, b) -> Long.compare(a.at(), b.at()));
    ManualClock clock = new ManualClock(sorted.get(0).at());
    try (MemoryBackend store = MemoryBackend.builder().clock(clock).build()) {
      RateLimiter exact = RateLimiter.create(store,
          List.of(EventualFleetWorker.limit(algorithm, COUNT)));
      long admitted = 0;
      for (Request r : sorted) {
        clock.setMicros(Math.max(clock.nowMicros(), r.at()));
        if (exact.tryAcquire(key).allowed()) {
          admitted++;
        }
      }
      return admitted;
    }
  }

  /**
   * The documented bound for one scarcity episode: {@code Σ_i min(C, a_i)}, {@code a_i} the most
   * requests instance {@code i} received within any {@code I + 2δ}; for the sliding window log,
   * plus the leases the fleet may hold when a window starts ({@code Σ_i min(C, a_i)} over three
   * intervals).
   */
  static long bound(Algorithm algorithm, List<Request> requests) {
    long interval = SYNC_MILLIS * 1_000;
    long capacity = EventualFleetWorker.limit(algorithm, COUNT).capacity();
    long sum = 0;
    for (int i = 0; i < RATES.length; i++) {
      sum += Math.min(capacity, mostWithin(requests, i, interval + DELAY_MICROS));
      if (algorithm == Algorithm.SLIDING_WINDOW_LOG) {
        sum += Math.min(capacity, mostWithin(requests, i, 3 * interval));
      }
    }
    return sum;
  }

  /** The most requests instance {@code i} received within any span of {@code span} µs. */
  static long mostWithin(List<Request> requests, int i, long span) {
    long[] at = requests.stream().filter(r -> r.instance() == i).mapToLong(Request::at)
        .sorted().toArray();
    int most = 0;
    for (int lo = 0, hi = 0; hi < at.length; hi++) {
      while (at[hi] - at[lo] >= span) {
        lo++;
      }
      most = Math.max(most, hi - lo + 1);
    }
    return most;
  }
}
