package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Clock;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.eventual.EventualBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One instance of {@link EventualFleetTest}'s fleet, in its own JVM: an {@link EventualBackend}
 * (default settings: first sight asked from Redis, its own sync thread on the system clock) over
 * a {@link RedisBackend}. For each line {@code go <ALGORITHM> <key>} on stdin it sends one-permit
 * requests for the key at a fixed rate for the given time, then prints {@code DONE} followed by
 * every request as {@code time:admitted} (time in µs from {@link Clock#system()}, admitted 0 or 1)
 * and what the backend counted for this key after its last sync (hits refused, store failures,
 * permits leased, returned and lapsed, direct decisions). {@code exit} closes it.
 *
 * <p>Arguments: uri, key prefix, requests per second, seconds, limit count per second, sync
 * interval (ms).
 */
public final class EventualFleetWorker {

  private EventualFleetWorker() {}

  /**
   * The limit every instance enforces for {@code algorithm}: {@code count} per second; buckets
   * with a burst of a fifth of that, so that the refill, not the burst, is what a saturated fleet
   * competes for (the case where a fleet without leases overshoots every round).
   */
  static Limit limit(Algorithm algorithm, long count) {
    Limit.Builder b = Limit.builder(count, Duration.ofSeconds(1)).algorithm(algorithm);
    return (algorithm.hasBurst() ? b.burst(Math.max(1, count / 5)) : b).build();
  }

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String prefix = args[1];
    double rate = Double.parseDouble(args[2]);
    double seconds = Double.parseDouble(args[3]);
    long count = Long.parseLong(args[4]);
    Duration sync = Duration.ofMillis(Long.parseLong(args[5]));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Clock clock = Clock.system();
    try (RedisBackend redis = RedisBackend.builder(uri).keyPrefix(prefix)
        .timeout(Duration.ofSeconds(2)).failurePolicy(FailurePolicy.FAIL_CLOSED).build()) {
      EventualBackend eventual = EventualBackend.builder(redis).syncInterval(sync).build();
      EventualBackend.Counters last = eventual.counters();
      System.out.println("READY");
      System.out.flush();
      for (String line = in.readLine(); line != null && !line.equals("exit");
          line = in.readLine()) {
        String[] go = line.split(" ");
        Algorithm algorithm = Algorithm.valueOf(go[1]);
        String key = go[2];
        RateLimiter limiter =
            RateLimiter.create(eventual, List.of(limit(algorithm, count)));
        int n = (int) Math.round(rate * seconds);
        long gap = Math.round(1e9 / rate);
        StringBuilder out = new StringBuilder("DONE");
        long start = System.nanoTime();
        for (int j = 0; j < n; j++) {
          long due = start + j * gap;
          long wait;
          while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          long at = clock.nowMicros();
          boolean admitted = limiter.tryAcquire(key).allowed();
          out.append(j == 0 ? ' ' : ',').append(at).append(':').append(admitted ? 1 : 0);
        }
        // the last hits and leases reach Redis within two intervals
        Thread.sleep(3 * sync.toMillis());
        EventualBackend.Counters c = eventual.counters();
        out.append(' ').append(c.hitsRefused() - last.hitsRefused())
            .append(' ').append(c.storeFailures() - last.storeFailures())
            .append(' ').append(c.leased() - last.leased())
            .append(' ').append(c.leaseReturned() - last.leaseReturned())
            .append(' ').append(c.leaseLapsed() - last.leaseLapsed())
            .append(' ').append(c.storeDecisions() - last.storeDecisions());
        last = c;
        System.out.println(out);
        System.out.flush();
      }
      eventual.close();
    }
  }
}
