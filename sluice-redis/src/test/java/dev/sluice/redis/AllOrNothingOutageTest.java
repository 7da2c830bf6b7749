package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.RateLimiter.Acquisition;
import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redis dying in the middle of all-or-nothing acquisitions: a Cluster master (the parts' keys on
 * every master, so most requests span several slots and are compensated) or the single server,
 * killed (SIGKILL) under load from several threads. Every request is answered, by Redis or by the
 * failure policy, never by an exception; once the dust settles every key left in Redis carries a
 * TTL, no key holds more permits than Redis took for admitted requests plus the parts Redis did
 * not answer about (a call that failed may have run; a refund that failed left its permit, until
 * the key expires), and a key on a master that lived holds at least what Redis took. Each
 * policy's answer to a request of several parts while Redis is down is checked too.
 *
 * <p>These tests kill servers: they start a Cluster and a server of their own.
 */
class AllOrNothingOutageTest {

  private static final Limit LIMIT = Limit.builder("40/minute")
      .algorithm(Algorithm.FIXED_WINDOW).name("scarce").build();
  private static final int KEYS = 6;
  private static final int THREADS = 6;
  private static final String PREFIX = "outage:";

  private static RedisCluster cluster;
  private static RedisStandalone server;

  @BeforeAll
  static void start() {
    cluster = RedisCluster.start();
    server = RedisStandalone.start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /**
   * What the load saw, per key: the permits Redis answered it took for admitted requests, and the
   * parts Redis did not answer about (the failure policy did: a call that may or may not have
   * run, a refund that may not have happened), which may hold a permit or not.
   */
  private static final class Tally {
    final AtomicLongArray taken = new AtomicLongArray(KEYS);
    final AtomicLongArray uncertain = new AtomicLongArray(KEYS);
    final AtomicLongArray requests = new AtomicLongArray(2);

    void record(int[] pair, List<Decision> ds) {
      boolean all = ds.stream().allMatch(Decision::allowed);
      requests.incrementAndGet(all ? 0 : 1);
      for (int j = 0; j < pair.length; j++) {
        if (ds.get(j).degraded()) {
          uncertain.incrementAndGet(pair[j]);
        } else if (all) {
          taken.incrementAndGet(pair[j]);
        }
      }
    }
  }

  /**
   * Requests of two parts over random pairs of {@code keys} from {@link #THREADS} threads until
   * {@code stop}; every answer is recorded and none may be an exception.
   */
  private static List<Future<Long>> load(ExecutorService pool, RateLimiter limiter,
      List<String> keys, Tally tally, AtomicBoolean stop) {
    List<Future<Long>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      long seed = t;
      workers.add(pool.submit(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        long n = 0;
        while (!stop.get()) {
          int a = random.nextInt(KEYS);
          int b = (a + 1 + random.nextInt(KEYS - 1)) % KEYS;
          int[] pair = {a, b};
          List<Decision> ds = RateLimiter.tryAcquireAllAsync(List.of(
                  new Acquisition(limiter, keys.get(a), 1), new Acquisition(limiter, keys.get(b), 1)))
              .toCompletableFuture().get(10, TimeUnit.SECONDS);
          tally.record(pair, ds);
          n++;
        }
        return n;
      }));
    }
    return workers;
  }

  /** Permits each key holds now, asked with a backend of its own once Redis answers again. */
  private static long[] held(String uri, ManualClock clock, List<String> keys) {
    try (RedisBackend check = RedisBackend.builder(uri).clock(clock).keyPrefix(PREFIX)
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(2)).build()) {
      RateLimiter limiter = RateLimiter.create(check, List.of(LIMIT));
      long[] out = new long[keys.size()];
      for (int i = 0; i < out.length; i++) {
        Decision d = limiter.tryAcquire(keys.get(i), 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (d.degraded() && System.nanoTime() < deadline) {
          pause(50);
          d = limiter.tryAcquire(keys.get(i), 0);
        }
        assertThat(d.degraded()).as("Redis answers about %s", keys.get(i)).isFalse();
        out[i] = LIMIT.count() - d.remaining();
      }
      return out;
    }
  }

  private static void assertEveryKeyExpires(List<RedisNode> nodes) {
    int seen = 0;
    for (RedisNode n : nodes) {
      if (!n.isRunning() || !n.commands().info("replication").contains("role:master")) {
        continue; // a replica's keys are its master's
      }
      for (String k : n.commands().keys(PREFIX + "*")) {
        long ttl = n.commands().pttl(k);
        if (ttl == -2) {
          continue; // expired meanwhile (or a replica's view): nothing held
        }
        assertThat(ttl).as("TTL of %s on %s", k, n).isPositive();
        seen++;
      }
    }
    assertThat(seen).as("keys left to check").isPositive();
  }

  /**
   * No key holds more than Redis took for admitted requests plus the parts it did not answer
   * about; a key whose server lived through the load holds at least what Redis took (a replica
   * promoted after a crash may have missed the last writes).
   */
  private static void assertCounts(Tally tally, long[] held, boolean[] survived) {
    for (int i = 0; i < KEYS; i++) {
      String what = String.format("permits held by key %d: taken %d, uncertain %d", i,
          tally.taken.get(i), tally.uncertain.get(i));
      assertThat(held[i]).as(what)
          .isLessThanOrEqualTo(tally.taken.get(i) + tally.uncertain.get(i));
      if (survived[i]) {
        assertThat(held[i]).as(what).isGreaterThanOrEqualTo(tally.taken.get(i));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = FailurePolicy.class, names = {"FAIL_OPEN", "FAIL_CLOSED"})
  void aClusterMasterKilledMidLoadLeavesEveryRequestAnsweredAndOnlyExpiringPermits(
      FailurePolicy policy) throws Exception {
    cluster.awaitHealthy();
    ManualClock clock = new ManualClock(1_700_006_400_000_000L);
    // two keys per master, so that a pair usually spans two masters (two slots at least)
    List<String> keys = new ArrayList<>();
    List<RedisNode> masters = new ArrayList<>();
    for (int i = 0; keys.size() < KEYS; i++) {
      String k = policy + ":k" + i;
      RedisNode m = cluster.masterOf(SlotHash.getSlot(KeyLayout.tag(k)));
      if (masters.stream().filter(x -> x == m).count() < 2) {
        keys.add(k);
        masters.add(m);
      }
    }
    assertThat(new HashSet<>(masters)).hasSize(3);
    RedisNode victim = masters.get(0);
    boolean[] survived = new boolean[KEYS];
    for (int i = 0; i < KEYS; i++) {
      survived[i] = masters.get(i) != victim;
    }
    Tally tally = new Tally();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    // No circuit breaker: every answer of the policy is a call that failed (the breaker would
    // answer calls to the masters that live too, and their refunds would then wait for the TTL).
    try (RedisBackend redis = RedisBackend.builder(cluster.uri()).clock(clock).keyPrefix(PREFIX)
        .failurePolicy(policy).timeout(Duration.ofSeconds(1))
        .circuitBreaker(Integer.MAX_VALUE, Duration.ofMillis(250)).build()) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(LIMIT));
      List<Future<Long>> workers = load(pool, limiter, keys, tally, stop);
      pause(300);
      victim.kill();
      cluster.awaitHealthy(); // the replica promoted
      pause(500);
      stop.set(true);
      long answered = 0;
      for (Future<Long> w : workers) {
        answered += w.get(60, TimeUnit.SECONDS); // an exception from any request fails here
      }
      assertThat(answered).isEqualTo(tally.requests.get(0) + tally.requests.get(1));
      assertThat(tally.requests.get(1)).as("refused requests").isPositive();
      assertThat(redis.degradedDecisions()).as("answers of the failure policy").isPositive();
    } finally {
      pool.shutdownNow();
    }
    assertCounts(tally, held(cluster.uri(), clock, keys), survived);
    assertEveryKeyExpires(cluster.nodes());
    victim.restart(); // rejoins as a replica
    cluster.awaitHealthy();
  }

  @Test
  void theSingleServerKilledMidLoadLeavesEveryRequestAnsweredAndOnlyExpiringPermits()
      throws Exception {
    ManualClock clock = new ManualClock(1_700_006_400_000_000L);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      keys.add("s" + i);
    }
    Tally tally = new Tally();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (RedisBackend redis = RedisBackend.builder(server.uri()).clock(clock).keyPrefix(PREFIX)
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(1))
        .circuitBreaker(3, Duration.ofMillis(100)).build()) {
      RateLimiter limiter = RateLimiter.create(redis, List.of(LIMIT));
      List<Future<Long>> workers = load(pool, limiter, keys, tally, stop);
      pause(200);
      server.node().kill(); // no persistence: it comes back empty
      pause(300);
      server.node().restart();
      pause(500);
      stop.set(true);
      for (Future<Long> w : workers) {
        w.get(60, TimeUnit.SECONDS);
      }
      assertThat(redis.degradedDecisions()).isPositive();
    } finally {
      pool.shutdownNow();
    }
    // fail-closed admits nothing without Redis, and one call takes every part or none; the
    // server came back empty, so no key is known to hold what was taken before
    long[] held = held(server.uri(), clock, keys);
    assertCounts(tally, held, new boolean[KEYS]);
    for (int i = 0; i < KEYS; i++) {
      assertThat(held[i]).isLessThanOrEqualTo(LIMIT.count());
    }
    assertEveryKeyExpires(List.of(server.node()));
  }

  @Test
  void eachPolicyAnswersARequestOfSeveralPartsWhileRedisIsDown() throws Exception {
    if (!server.node().isRunning()) {
      server.node().restart();
    }
    ManualClock clock = new ManualClock(1_700_006_400_000_000L);
    Limit two = Limit.builder("2/minute").algorithm(Algorithm.FIXED_WINDOW).name("two").build();
    Limit many = Limit.builder("100/minute").algorithm(Algorithm.FIXED_WINDOW).name("many")
        .build();
    List<RedisBackend> backends = new ArrayList<>();
    try {
      for (FailurePolicy p : FailurePolicy.values()) {
        backends.add(RedisBackend.builder(server.uri()).clock(clock).keyPrefix(PREFIX + "p:")
            .failurePolicy(p).timeout(Duration.ofMillis(200)).build());
      }
      server.node().kill();
      for (RedisBackend redis : backends) {
        RateLimiter narrow = RateLimiter.create(redis, List.of(two));
        RateLimiter wide = RateLimiter.create(redis, List.of(many));
        List<Acquisition> request = List.of(new Acquisition(wide, "w", 1),
            new Acquisition(narrow, "n", 1));
        List<List<Decision>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          answers.add(RateLimiter.tryAcquireAllAsync(request).toCompletableFuture()
              .get(5, TimeUnit.SECONDS));
        }
        for (List<Decision> ds : answers) {
          assertThat(ds).allMatch(Decision::degraded);
          assertThat(ds).allMatch(d -> d.reason() == Decision.Reason.BACKEND_UNAVAILABLE
              || d.allowed());
        }
        switch (redis.failurePolicy()) {
          case FAIL_OPEN -> assertThat(answers).allMatch(ds -> ds.get(0).allowed()
              && ds.get(1).allowed());
          case FAIL_CLOSED -> assertThat(answers).allMatch(ds -> !ds.get(0).allowed()
              && !ds.get(1).allowed());
          case LOCAL_FALLBACK -> {
            // all or nothing in process: two admitted, the third refused by the narrow part,
            // the wide one given back
            assertThat(answers.get(0)).allMatch(Decision::allowed);
            assertThat(answers.get(1)).allMatch(Decision::allowed);
            assertThat(answers.get(2).get(1).allowed()).isFalse();
            assertThat(answers.get(2).get(0).allowed()).isTrue();
            assertThat(answers.get(2).get(0).remaining()).isEqualTo(98);
          }
          default -> throw new AssertionError(redis.failurePolicy());
        }
      }
    } finally {
      backends.forEach(RedisBackend::close);
      server.node().restart();
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
