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
      assertThat(s.get("/metrics").body())
          .containsPattern("sluice_backend_degraded_total\\{reason=\"backend_unavailable\"} 10");
    }
  }
}
