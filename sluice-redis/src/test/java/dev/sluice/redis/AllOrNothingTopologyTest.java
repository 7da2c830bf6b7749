package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.RateLimiter.Acquisition;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisSentinel;
import dev.sluice.testkit.redis.RedisStandalone;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How Redis takes several parts all or nothing, per topology, counted in script calls on the
 * servers themselves: a single server and a Sentinel-watched master take every part in one
 * atomic call, whether it admits or refuses (no refund ever follows); a Cluster does the same for
 * parts whose keys share a hash slot, and combines slots by the compensating protocol (a refused
 * request's slots taken earlier are refunded: one more call each). On a Cluster with the parts on
 * different masters, racing requests are never admitted beyond the narrow limit and the wide one
 * keeps nothing of the refused ones once every answer is in. Every key written has a TTL.
 */
@ExtendWith(RealRedis.class)
class AllOrNothingTopologyTest {

  private static final String PREFIX = "aon:";
  private static final String RUN =
      Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
  private static final Limit NARROW = Limit.builder("2/minute")
      .algorithm(Algorithm.FIXED_WINDOW).name("narrow").build();
  private static final Limit WIDE = Limit.builder("100/minute")
      .algorithm(Algorithm.TOKEN_BUCKET).name("wide").build();
  private static final Limit DAILY = Limit.builder("1000/day")
      .algorithm(Algorithm.SLIDING_WINDOW_COUNTER).name("daily").build();

  private final ManualClock clock = new ManualClock(1_700_006_400_000_000L);

  private RedisBackend backend(String uri) {
    return RedisBackend.builder(uri).clock(clock).keyPrefix(PREFIX)
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(5)).build();
  }

  private static String key(String name) {
    return RUN + ":" + name;
  }

  /** Script calls (EVALSHA and EVAL) this node has served so far. */
  private static long scriptCalls(RedisNode node) {
    String stats = node.commands().info("commandstats");
    long n = 0;
    Matcher m = Pattern.compile("cmdstat_(?:evalsha|eval):calls=(\\d+)").matcher(stats);
    while (m.find()) {
      n += Long.parseLong(m.group(1));
    }
    return n;
  }

  private static boolean admitted(List<Decision> ds) {
    return ds.stream().allMatch(Decision::allowed);
  }

  /** Three parts on one node: one call admitting, one call refusing, nothing refunded. */
  private void oneCallPerRequest(RedisBackend redis, RedisNode node, List<String> keys) {
    RateLimiter narrow = RateLimiter.create(redis, List.of(NARROW));
    RateLimiter wide = RateLimiter.create(redis, List.of(WIDE, DAILY));
    List<Acquisition> request = List.of(new Acquisition(wide, keys.get(0), 1),
        new Acquisition(narrow, keys.get(1), 1), new Acquisition(wide, keys.get(2), 1));
    for (int i = 0; i < 2; i++) {
      long before = scriptCalls(node);
      assertThat(admitted(RateLimiter.tryAcquireAll(request))).isTrue();
      assertThat(scriptCalls(node) - before).as("script calls of admission %d", i).isEqualTo(1);
    }
    long before = scriptCalls(node);
    List<Decision> refused = RateLimiter.tryAcquireAll(request);
    assertThat(scriptCalls(node) - before).as("script calls of the refusal").isEqualTo(1);
    assertThat(refused.get(1).allowed()).isFalse();
    assertThat(refused.get(0).remaining()).isEqualTo(98);
    assertThat(wide.tryAcquire(keys.get(2), 0).remaining()).isEqualTo(98);
    int stored = 0;
    for (String key : keys) { // every key written expires
      for (String k : node.commands().keys(PREFIX + "{" + key + "}:*")) {
        assertThat(node.commands().pttl(k)).as("TTL of %s", k).isPositive();
        stored++;
      }
    }
    assertThat(stored).as("keys written: two per wide part, one narrow").isEqualTo(5);
  }

  @Test
  void aSingleServerTakesEveryPartInOneAtomicCall(RedisStandalone server) {
    try (RedisBackend redis = backend(server.uri())) {
      oneCallPerRequest(redis, server.node(),
          List.of(key("s:a"), key("s:b"), key("s:c")));
    }
  }

  @Test
  void aSentinelMasterTakesEveryPartInOneAtomicCall(RedisSentinel group) {
    try (RedisBackend redis = backend(group.uri())) {
      oneCallPerRequest(redis, group.master(), List.of(key("m:a"), key("m:b"), key("m:c")));
    }
  }

  @Test
  void aClusterTakesPartsOfOneSlotInOneAtomicCall(RedisCluster cluster) {
    List<String> keys = sameSlot(3);
    try (RedisBackend redis = backend(cluster.uri())) {
      RedisNode master = cluster.masterOf(SlotHash.getSlot(KeyLayout.tag(keys.get(0))));
      oneCallPerRequest(redis, master, keys);
    }
  }

  @Test
  void aClusterCompensatesAcrossSlotsRefundingTheSlotsTakenOnARefusal(RedisCluster cluster) {
    // the first part (in the order parts are taken) on one master, the refusing one on another
    String[] keys = onTwoMasters(cluster);
    RedisNode first = cluster.masterOf(SlotHash.getSlot(KeyLayout.tag(keys[0])));
    RedisNode second = cluster.masterOf(SlotHash.getSlot(KeyLayout.tag(keys[1])));
    try (RedisBackend redis = backend(cluster.uri())) {
      RateLimiter narrow = RateLimiter.create(redis, List.of(NARROW));
      RateLimiter wide = RateLimiter.create(redis, List.of(WIDE));
      List<Acquisition> request = List.of(new Acquisition(narrow, keys[1], 1),
          new Acquisition(wide, keys[0], 1));
      assertThat(admitted(RateLimiter.tryAcquireAll(request))).isTrue();
      assertThat(admitted(RateLimiter.tryAcquireAll(request))).isTrue();
      long firstBefore = scriptCalls(first);
      long secondBefore = scriptCalls(second);
      List<Decision> refused = RateLimiter.tryAcquireAll(request);
      assertThat(refused.get(0).allowed()).isFalse();
      assertThat(refused.get(0).retryAfterMicros()).isEqualTo(60_000_000L);
      assertThat(refused.get(1).allowed()).as("the wide part: its state").isTrue();
      assertThat(refused.get(1).remaining()).isEqualTo(98);
      // taken on the first master, refused on the second, given back on the first
      assertThat(scriptCalls(first) - firstBefore).isEqualTo(2);
      assertThat(scriptCalls(second) - secondBefore).isEqualTo(1);
      assertThat(wide.tryAcquire(keys[0], 0).remaining()).isEqualTo(98);
    }
  }

  @Test
  void racingRequestsOnTwoClusterMastersNeverOverAdmitAndKeepNothingOfARefusal(
      RedisCluster cluster) throws Exception {
    for (boolean narrowFirst : new boolean[] {true, false}) {
      String[] keys = onTwoMasters(cluster);
      String narrowKey = narrowFirst ? keys[0] : keys[1];
      String wideKey = narrowFirst ? keys[1] : keys[0];
      try (RedisBackend redis = backend(cluster.uri())) {
        RateLimiter narrow = RateLimiter.create(redis, List.of(Limit.perMinute(10)));
        RateLimiter wide = RateLimiter.create(redis, List.of(Limit.perMinute(1000)));
        List<Acquisition> request = List.of(new Acquisition(narrow, narrowKey, 1),
            new Acquisition(wide, wideKey, 1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
          CountDownLatch start = new CountDownLatch(1);
          List<Future<Long>> counts = new ArrayList<>();
          for (int t = 0; t < 8; t++) {
            counts.add(pool.submit(() -> {
              start.await();
              long n = 0;
              for (int i = 0; i < 10; i++) {
                if (admitted(RateLimiter.tryAcquireAll(request))) {
                  n++;
                }
              }
              return n;
            }));
          }
          start.countDown();
          long admitted = 0;
          for (Future<Long> f : counts) {
            admitted += f.get(60, TimeUnit.SECONDS);
          }
          assertThat(admitted).as("admitted of 80, narrow first: %s", narrowFirst)
              .isLessThanOrEqualTo(10);
          long charged = 1000 - wide.tryAcquire(wideKey, 0).remaining();
          assertThat(charged).as("taken from the wide limit").isEqualTo(admitted);
          assertThat(10 - narrow.tryAcquire(narrowKey, 0).remaining()).isEqualTo(admitted);
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  /** {@code n} keys whose state keys hash to one slot. */
  private static List<String> sameSlot(int n) {
    List<String> keys = new ArrayList<>();
    String first = key("slot:0");
    int slot = SlotHash.getSlot(KeyLayout.tag(first));
    keys.add(first);
    for (int i = 1; keys.size() < n; i++) {
      String k = key("slot:" + i);
      if (SlotHash.getSlot(KeyLayout.tag(k)) == slot) {
        keys.add(k);
      }
    }
    return keys;
  }

  /** Two keys, in the order parts are taken, whose slots are on different masters. */
  private static String[] onTwoMasters(RedisCluster cluster) {
    Map<RedisNode, String> byMaster = new HashMap<>();
    String base = key("masters:" + ThreadLocalRandom.current().nextInt(1_000_000) + ":");
    for (int i = 0; byMaster.size() < 2; i++) {
      String k = base + i;
      byMaster.putIfAbsent(cluster.masterOf(SlotHash.getSlot(KeyLayout.tag(k))), k);
    }
    String[] keys = byMaster.values().toArray(String[]::new);
    Arrays.sort(keys);
    return keys;
  }
}
