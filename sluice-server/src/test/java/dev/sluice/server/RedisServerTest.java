package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testkit.redis.RedisStandalone;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on a real Redis: two instances share one limit; fail-closed shows in /readyz. */
class RedisServerTest {

  @TempDir Path dir;

  @Test
  void twoInstancesOnOneRedisEnforceOneLimit() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start()) {
      Files.writeString(dir.resolve("api.yaml"), HttpApiTest.RULES);
      Map<String, String> settings = Map.of("backend", redis.uri());
      try (Running a = Running.start(dir, Map.of(), settings);
          Running b = Running.start(dir, Map.of(), settings)) {
        List<Integer> codes = new ArrayList<>();
        Running.clearOfAMinuteBoundary();
        for (int i = 0; i < 4; i++) {
          Running s = i % 2 == 0 ? a : b;
          codes.add(s.post("/json", Running.envoy("api", "user", "shared")).statusCode());
        }
        assertThat(codes).containsExactly(200, 200, 200, 429);
        HttpResponse<String> check = b.post("/v1/check", "{\"domain\":\"api\",\"descriptors\":"
            + "[{\"entries\":[{\"key\":\"user\",\"value\":\"shared\"}]}]}");
        assertThat(check.statusCode()).isEqualTo(429);
        assertThat(check.headers().firstValue("retry-after")).isPresent();
      }
    }
  }

  @Test
  void failClosedWithRedisDownIsNotReadyAndDenies() throws Exception {
    RedisStandalone redis = RedisStandalone.start();
    String uri = redis.uri();
    redis.close();
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
        Map.of("backend", uri, "failure-policy", "fail-closed"))) {
      List<Integer> codes = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        codes.add(s.post("/json", Running.envoy("api", "user", "down")).statusCode());
      }
      assertThat(codes).containsOnly(429);
      HttpResponse<String> ready = s.get("/readyz");
      JsonNode body = HttpApiTest.JSON.readTree(ready.body());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
      assertThat(body.path("backend").asText()).isEqualTo("down (fail-closed)");
      assertThat(s.metrics())
          .containsPattern("sluice_backend_degraded_total\\{reason=\"backend_unavailable\"} 10");
    }
  }

  @Test
  void readinessComesBackAfterARedisRestartWithoutDecisionTraffic() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
            Map.of("backend", redis.uri(), "failure-policy", "fail-closed"))) {
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
      redis.node().kill();
      for (int i = 0; i < 10; i++) {
        s.post("/json", Running.envoy("api", "user", "probe")); // opens the circuit
      }
      assertThat(s.get("/readyz").statusCode()).isEqualTo(503);
      redis.node().restart();
      // No decisions are asked: a load balancer keeps a not-ready instance out of rotation.
      long deadline = System.nanoTime() + 10_000_000_000L;
      int status;
      do {
        Thread.sleep(50);
        status = s.get("/readyz").statusCode();
      } while (status != 200 && System.nanoTime() < deadline);
      assertThat(status).as("readyz after the Redis restart").isEqualTo(200);
    }
  }

  @Test
  void startReturnsWarmAndTheWarmUpShowsNowhere() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
            Map.of("backend", redis.uri()))) {
      assertThat(s.server.warmedUp()).isTrue();
      HttpResponse<String> ready = s.get("/readyz");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(HttpApiTest.JSON.readTree(ready.body()).path("backend").asText())
          .isEqualTo("up");
      String metrics = s.metrics();
      assertThat(metrics).doesNotContain("sluice-warm-up")
          .doesNotContain("sluice_decisions_total{")
          .doesNotContain("sluice_backend_degraded_total{");
      assertThat(s.post("/json", Running.envoy("api", "user", "first")).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void withoutRedisAtStartReadyzSaysWarmingUpUntilRedisAnswers() throws Exception {
    RedisStandalone redis = RedisStandalone.start();
    try {
      redis.node().kill();
      try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
          Map.of("backend", redis.uri()))) { // fail-open
        assertThat(s.server.warmedUp()).isFalse();
        HttpResponse<String> ready = s.get("/readyz");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        assertThat(HttpApiTest.JSON.readTree(ready.body()).path("backend").asText())
            .isEqualTo("warming up");
        redis.node().restart();
        // No decisions asked: each readiness check retries the warm-up.
        long deadline = System.nanoTime() + 30_000_000_000L;
        int status;
        do {
          Thread.sleep(100);
          status = s.get("/readyz").statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).as("readyz once Redis answers").isEqualTo(200);
        assertThat(s.server.warmedUp()).isTrue();
        assertThat(s.post("/json", Running.envoy("api", "user", "later")).statusCode())
            .isEqualTo(200);
        assertThat(s.metrics()).doesNotContain("sluice_backend_degraded_total{");
      }
    } finally {
      redis.close();
    }
  }

  static final String MODES = """
      domain: modes
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 3}
        - key: account
          rate_limit: {unit: minute, requests_per_unit: 3}
          consistency: consistent
      """;

  @Test
  void eventualModeDecidesLocallySyncsTheHitsAndCountsThemInMetrics() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running s = Running.start(dir, Map.of("modes.yaml", MODES), Map.of("backend",
            redis.uri(), "mode", "eventual", "sync-interval", "20ms", "redis-timeout", "1s",
            "first-sight", "local"))) {
      List<Integer> codes = new ArrayList<>();
      Running.clearOfAMinuteBoundary();
      for (int i = 0; i < 4; i++) {
        codes.add(s.post("/json", Running.envoy("modes", "user", "e")).statusCode());
        codes.add(s.post("/json", Running.envoy("modes", "account", "c")).statusCode());
      }
      // One instance: local decisions are exact too; the consistent rule asks Redis each time.
      assertThat(codes).containsExactly(200, 200, 200, 200, 200, 200, 429, 429);
      long deadline = System.nanoTime() + 10_000_000_000L;
      String metrics;
      do {
        Thread.sleep(20);
        metrics = s.metrics();
      } while (!metrics.contains("sluice_eventual_hits_sent_total 3.0")
          && System.nanoTime() < deadline);
      assertThat(metrics).contains("sluice_eventual_hits_sent_total 3.0")
          .contains("sluice_eventual_hits_refused_total 0.0")
          .contains("sluice_eventual_decisions_total{where=\"local\"} 4.0")
          .containsPattern("sluice_eventual_syncs_total [1-9]")
          .contains("sluice_eventual_keys 1.0");
      // The hits reached Redis: a consistent instance on the same Redis sees the key exhausted.
      try (Running consistent = Running.start(dir, Map.of(), Map.of("backend", redis.uri()))) {
        assertThat(consistent.post("/json", Running.envoy("modes", "user", "e")).statusCode())
            .isEqualTo(429);
      }
    }
  }

  @Test
  void eventualModeOnTheMemoryBackendIsTheSameAsConsistent() throws Exception {
    try (Running s = Running.start(dir, Map.of("modes.yaml", MODES),
        Map.of("mode", "eventual"))) {
      List<Integer> codes = new ArrayList<>();
      Running.clearOfAMinuteBoundary();
      for (int i = 0; i < 4; i++) {
        codes.add(s.post("/json", Running.envoy("modes", "user", "m")).statusCode());
      }
      assertThat(codes).containsExactly(200, 200, 200, 429);
      assertThat(s.metrics()).doesNotContain("sluice_eventual_");
    }
  }
}
