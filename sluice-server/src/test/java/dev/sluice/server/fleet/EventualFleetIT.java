package dev.sluice.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.fleet.Load.Outcome;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Eventual mode across a fleet: three real {@code sluice serve --mode eventual} processes on one
 * real Redis, driven concurrently over HTTP at a paced arrival rate. The fleet admits at least the
 * limit and at most the limit plus the documented bound computed from the run's own arrivals
 * ({@link Overshoot}); a fleet that never synced would admit three times the limit. The limits are
 * token buckets of 300 per day: no permit refills within a test, so each run is one "window". The service's
 * metrics account for every hit: what the instances admitted minus what Redis refused is exactly
 * the limit.
 */
class EventualFleetIT extends StandaloneFleet {

  static final int LIMIT = 300;
  static final int N = 3;
  static final Duration SYNC = Duration.ofMillis(100);
  /** 600 requests/s across the fleet, 200 per instance. */
  static final double RATE = 600;
  /**
   * {@code user}: eventual by the {@code mode} setting; {@code account}: the same limit, made
   * consistent by the rule. Token buckets refilling one permit per 288 s: no refill in a test.
   */
  static final String RULES = """
      domain: fleet
      descriptors:
        - key: user
          rate_limit: {unit: day, requests_per_unit: 300, algorithm: TOKEN_BUCKET}
        - key: account
          rate_limit: {unit: day, requests_per_unit: 300, algorithm: TOKEN_BUCKET}
          consistency: consistent
      """;
  static final int THREADS = 16;
  static final ObjectMapper JSON = new ObjectMapper();

  final Load load = new Load(THREADS);

  @BeforeAll
  static void start() throws Exception {
    // first-sight local: every decision is made from the instance's view (the path that can
    // overshoot) and every admitted hit reaches Redis by a sync, which the tests count exactly.
    // ClusterFleetIT runs the default (sync).
    startFleet(N, RULES, Map.of("mode", "eventual", "sync-interval", SYNC.toMillis() + "ms",
        "failure-policy", "fail-open", "redis-timeout", ConsistentFleetIT.REDIS_TIMEOUT,
        "first-sight", "local"));
  }

  @Test
  void theFleetOvershootsTheLimitByAtMostTheDocumentedBound() throws Exception {
    long sentBefore = Metric.fleetSum(fleet, "sluice_eventual_hits_sent_total");
    long refusedBefore = Metric.fleetSum(fleet, "sluice_eventual_hits_refused_total");
    long localBefore = Metric.fleetSum(fleet, "sluice_eventual_decisions_total",
        "where=\"local\"");

    Load.Run run = load.run(4 * LIMIT, "fleet", "bounded", j -> fleet.get(j % N), RATE, null);

    int admitted = run.count(Outcome.ADMITTED);
    long bound = Overshoot.bound(run, SYNC, LIMIT, null);
    System.out.printf("eventual fleet: %s; limit %d, admitted %d (overshoot %d), bound %d%n",
        run, LIMIT, admitted, admitted - LIMIT, bound);
    assertThat(run.unexpectedStatuses()).as(run.toString()).isEmpty();
    assertThat(bound).as("bound below what a fleet that never syncs admits")
        .isLessThan((N - 1) * (long) LIMIT);
    assertThat(admitted).as(run + ", bound " + bound)
        .isBetween(LIMIT, LIMIT + (int) bound);
    // Every admitted hit reaches Redis, and Redis counted exactly the limit of them.
    Poll.until("every admitted hit synced", () ->
        Metric.fleetSum(fleet, "sluice_eventual_hits_sent_total") - sentBefore == admitted);
    long refused = Metric.fleetSum(fleet, "sluice_eventual_hits_refused_total") - refusedBefore;
    assertThat(admitted - refused).as("hits counted by Redis").isEqualTo(LIMIT);
    assertThat(Metric.fleetSum(fleet, "sluice_eventual_decisions_total", "where=\"local\"")
        - localBefore).as("decisions made locally").isEqualTo(run.outcome().length);
  }

  @Test
  void aRuleMadeConsistentIsExactInAnEventualFleet() throws Exception {
    long sentBefore = Metric.fleetSum(fleet, "sluice_eventual_hits_sent_total");
    Load.Run run = load.run(3 * LIMIT, "fleet", "account=exact", j -> fleet.get(j % N), 0,
        null);
    assertThat(run.count(Outcome.ADMITTED)).as(run.toString()).isEqualTo(LIMIT);
    assertThat(run.unexpectedStatuses()).isEmpty();
    assertThat(Metric.fleetSum(fleet, "sluice_eventual_hits_sent_total") - sentBefore)
        .as("hits of the consistent rule never go through the eventual mode").isZero();
  }

  @Test
  void aKilledInstanceLosesAtMostItsUnsentHits() throws Exception {
    AtomicBoolean killed = new AtomicBoolean();
    int killAt = LIMIT / 2;
    Load.Run run = load.run(4 * LIMIT, "fleet", "crash",
        j -> killed.get() ? fleet.get(1 + j % 2) : fleet.get(j % N), RATE, j -> {
          if (j == killAt) {
            killed.set(true);
            fleet.kill(0);
          }
        });

    int admitted = run.count(Outcome.ADMITTED);
    long bound = Overshoot.bound(run, SYNC, LIMIT, null);
    // The killed instance's unsent hits: at most what it admitted in its last interval + delay.
    long unsent = Math.min(LIMIT, run.maxArrivals(0, SYNC.plus(Overshoot.DELAY), null));
    System.out.printf("eventual fleet, instance killed: %s; limit %d, admitted %d, bound %d +"
        + " unsent %d%n", run, LIMIT, admitted, bound, unsent);
    assertThat(admitted).as(run + ", bound " + bound + " + unsent " + unsent)
        .isGreaterThanOrEqualTo(LIMIT - run.count(Outcome.FAILED))
        .isLessThanOrEqualTo(LIMIT + (int) (bound + unsent));
    for (int j = 0; j < run.outcome().length; j++) {
      if (run.instance()[j] != 0) {
        assertThat(run.outcome()[j]).as("request %d to survivor %d", j, run.instance()[j])
            .isNotEqualTo(Outcome.FAILED);
      }
    }
    assertThat(run.count(Outcome.DENIED)).as("the survivors exhausted the key").isPositive();
  }

  @Test
  void redisDownIsAnsweredByThePolicyAndTheHitsAreResentAfterItsRestart() throws Exception {
    long degradedBefore = ConsistentFleetIT.degraded(fleet);
    long failuresBefore = Metric.fleetSum(fleet, "sluice_eventual_store_failures_total");
    redis.node().kill();
    int during = 150;
    Load.Run outage = load.run(during, "fleet", "outage", j -> fleet.get(j % N), RATE, null);
    // fail-open: every answer is an admission, made by the policy (degraded), none an error.
    assertThat(outage.count(Outcome.ADMITTED)).as(outage.toString()).isEqualTo(during);
    assertThat(ConsistentFleetIT.degraded(fleet) - degradedBefore).isPositive();
    Poll.until("a failed sync counted", () -> Metric.fleetSum(fleet,
        "sluice_eventual_store_failures_total") > failuresBefore);

    redis.node().restart();
    // Redis restarted empty; the hits admitted during the outage were kept pending and are sent
    // once it answers: every instance's view of the key then shows them.
    for (Fleet.Instance i : fleet.instances()) {
      Poll.until(i + " sees the outage's hits counted in Redis", Duration.ofSeconds(20),
          () -> remaining(i, "outage") == LIMIT - during);
    }
    // And the fleet enforces the rest of the limit.
    Load.Run after = load.run(2 * LIMIT, "fleet", "outage", j -> fleet.get(j % N), RATE, null);
    long bound = Overshoot.bound(after, SYNC, LIMIT, null);
    System.out.printf("eventual fleet, after the Redis restart: %s; %d left, bound %d%n", after,
        LIMIT - during, bound);
    assertThat(after.count(Outcome.ADMITTED)).as(after + ", bound " + bound)
        .isBetween(LIMIT - during, LIMIT - during + (int) bound);
  }

  /** Permits left for {@code user} as instance {@code i} sees it ({@code /v1/check}, 0 hits). */
  long remaining(Fleet.Instance i, String user) throws Exception {
    HttpResponse<String> r = load.post(i, "/v1/check", "{\"domain\":\"fleet\",\"hits\":0,"
        + "\"descriptors\":[{\"entries\":[{\"key\":\"user\",\"value\":\"" + user + "\"}]}]}");
    JsonNode status = JSON.readTree(r.body()).path("statuses").path(0);
    return status.path("remaining").asLong(-1);
  }
}
