package dev.sluice.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.fleet.Load.Outcome;
import dev.sluice.testkit.redis.RedisCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both modes on a six-node Redis Cluster: three real {@code sluice serve} processes (consistent by
 * default, one rule made eventual), keys spread over several masters, driven concurrently over
 * HTTP.
 */
class ClusterFleetIT {

  static final int LIMIT = 300;
  static final int N = 3;
  static final Duration SYNC = Duration.ofMillis(100);
  static final String RULES = """
      domain: fleet
      descriptors:
        - key: user
          rate_limit: {unit: day, requests_per_unit: 300, algorithm: TOKEN_BUCKET}
        - key: tenant
          rate_limit: {unit: day, requests_per_unit: 300, algorithm: TOKEN_BUCKET}
          consistency: eventual
      """;
  static final List<String> VALUES = List.of("ann", "bob", "cy", "dee");

  @TempDir static Path dir;
  static RedisCluster cluster;
  static Fleet fleet;
  final Load load = new Load(16);

  @BeforeAll
  static void startFleet() throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rules.resolve("fleet.yaml"), RULES);
    cluster = RedisCluster.start();
    fleet = Fleet.start(N, dir, rules, Map.of("backend", cluster.uri(),
        "sync-interval", SYNC.toMillis() + "ms",
        "redis-timeout", ConsistentFleetIT.REDIS_TIMEOUT));
    for (String key : List.of("user", "tenant")) {
      assertThat(VALUES.stream()
          .map(v -> cluster.masterOf(cluster.slotOf("sluice:{fleet|" + key + "=" + v + "}")))
          .distinct().count()).as(key + " keys on more than one master").isGreaterThan(1);
    }
  }

  @AfterAll
  static void stopFleet() {
    if (fleet != null) {
      fleet.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void consistentRulesAdmitExactlyTheLimitPerKey() throws Exception {
    Load.Run run = load.run(VALUES.size() * 2 * LIMIT, "fleet", j -> VALUES.get(j % 4),
        j -> fleet.get(j % N), 0, null);
    assertThat(run.unexpectedStatuses()).as(run.toString()).isEmpty();
    assertThat(ConsistentFleetIT.degraded(fleet)).as("decisions not made by Redis").isZero();
    for (String v : VALUES) {
      assertThat(run.count(Outcome.ADMITTED, v)).as("admitted for " + v).isEqualTo(LIMIT);
    }
  }

  @Test
  void eventualRulesOvershootByAtMostTheDocumentedBoundPerKey() throws Exception {
    long refusedBefore = Metric.fleetSum(fleet, "sluice_eventual_hits_refused_total");
    // 4 keys x 3 instances at 1200 requests/s: 100 per key and instance per second.
    Load.Run run = load.run(VALUES.size() * 3 * LIMIT, "fleet",
        j -> "tenant=" + VALUES.get(j % 4), j -> fleet.get((j / 4) % N), 1200, null);
    assertThat(run.unexpectedStatuses()).as(run.toString()).isEmpty();
    long admittedAll = 0;
    for (String v : VALUES) {
      long perKeyBound = Overshoot.bound(run, SYNC, LIMIT, "tenant=" + v);
      assertThat(perKeyBound).isLessThan((N - 1) * (long) LIMIT);
      int admitted = run.count(Outcome.ADMITTED, "tenant=" + v);
      admittedAll += admitted;
      System.out.printf("cluster, eventual key %s: limit %d, admitted %d, bound %d (%s)%n", v,
          LIMIT, admitted, perKeyBound, run);
      assertThat(admitted).as("admitted for " + v + ", bound " + perKeyBound)
          .isBetween(LIMIT, LIMIT + (int) perKeyBound);
    }
    long all = admittedAll;
    Poll.until("the refused hits accounted", () -> all - (Metric.fleetSum(fleet,
        "sluice_eventual_hits_refused_total") - refusedBefore) == (long) VALUES.size() * LIMIT);
  }
}
