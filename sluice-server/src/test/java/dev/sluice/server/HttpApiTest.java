package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API of a real server on the memory backend, over real sockets. */
class HttpApiTest {

  static final String RULES = """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 3}
        - key: plan
          value: free
          rate_limit: {unit: hour, requests_per_unit: 2, name: free-plan}
        - key: health
          rate_limit: {unlimited: true}
        - key: trial
          shadow_mode: true
          rate_limit: {unit: minute, requests_per_unit: 1}
        - key: blocked
          rate_limit: {unit: second, requests_per_unit: 0}
      routes:
        - path: /pizza/**
          method: GET
          rate_limits:
            - actions:
                - request_headers: {header_name: x-user, descriptor_key: user}
      """;

  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Running s;

  @BeforeAll
  static void start() throws Exception {
    s = Running.start(dir, Map.of("api.yaml", RULES), Map.of());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static JsonNode body(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void jsonAnswersLikeEnvoyAllowedThenOverLimit() throws Exception {
    String req = Running.envoy("api", "user", "json-1");
    for (int remaining = 2; remaining >= 0; remaining--) {
      HttpResponse<String> r = s.post("/json", req);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode b = body(r);
      assertThat(b.path("overallCode").asText()).isEqualTo("OK");
      JsonNode st = b.path("statuses").get(0);
      assertThat(st.path("code").asText()).isEqualTo("OK");
      assertThat(st.path("currentLimit").path("requestsPerUnit").asInt()).isEqualTo(3);
      assertThat(st.path("currentLimit").path("unit").asText()).isEqualTo("MINUTE");
      // proto3 JSON omits zero values, as envoy's protojson does
      assertThat(st.path("limitRemaining").asInt(0)).isEqualTo(remaining);
      assertThat(st.path("durationUntilReset").asText()).matches("\\d+s");
    }
    HttpResponse<String> over = s.post("/json", req);
    assertThat(over.statusCode()).isEqualTo(429);
    assertThat(over.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    JsonNode b = body(over);
    assertThat(b.path("overallCode").asText()).isEqualTo("OVER_LIMIT");
    assertThat(b.path("statuses").get(0).path("code").asText()).isEqualTo("OVER_LIMIT");
    assertThat(b.path("statuses").get(0).has("limitRemaining")).isFalse();
  }

  @Test
  void jsonAcceptsSnakeCaseAndHitsAddend() throws Exception {
    HttpResponse<String> r = s.post("/json", "{\"domain\":\"api\",\"hits_addend\":3,"
        + "\"descriptors\":[{\"entries\":[{\"key\":\"user\",\"value\":\"json-2\"}]}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body(r).path("statuses").get(0).path("limitRemaining").asInt(0)).isZero();
    // descriptor-level hits_addend wins over the request's: 0 only checks
    HttpResponse<String> check = s.post("/json", "{\"domain\":\"api\",\"hitsAddend\":5,"
        + "\"descriptors\":[{\"entries\":[{\"key\":\"user\",\"value\":\"json-2\"}],"
        + "\"hitsAddend\":0}]}");
    assertThat(check.statusCode()).isEqualTo(200);
  }

  @Test
  void unknownDomainsAndUnmatchedDescriptorsAreAllowedAndCounted() throws Exception {
    HttpResponse<String> r = s.post("/json", Running.envoy("nobody", "user", "x"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"overallCode\":\"OK\",\"statuses\":[{\"code\":\"OK\"}]}");
    assertThat(s.metrics())
        .contains("sluice_decisions_total{descriptor=\"\",domain=\"unknown\",outcome=\"no_rule\"}");
  }

  @Test
  void unlimitedNeverCountsAndShadowNeverDenies() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = s.post("/json", "{\"domain\":\"api\",\"descriptors\":["
          + "{\"entries\":[{\"key\":\"health\",\"value\":\"h\"}]},"
          + "{\"entries\":[{\"key\":\"trial\",\"value\":\"t\"}]}]}");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode st = body(r).path("statuses");
      assertThat(st.get(0).path("limitRemaining").asLong()).isEqualTo(4294967295L);
      assertThat(st.get(1).path("code").asText()).isEqualTo("OK");
    }
    assertThat(s.metrics())
        .contains("sluice_decisions_total{descriptor=\"api.trial\",domain=\"api\","
            + "outcome=\"shadow_over_limit\"} 4.0")
        .contains("sluice_decisions_total{descriptor=\"api.health\",domain=\"api\","
            + "outcome=\"unlimited\"} 5.0");
  }

  @Test
  void requestsPerUnitZeroDeniesEveryRequest() throws Exception {
    HttpResponse<String> r = s.post("/json", Running.envoy("api", "blocked", "b"));
    assertThat(r.statusCode()).isEqualTo(429);
  }

  @Test
  void checkSetsHeadersAndRetryAfter() throws Exception {
    String req = "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"plan\","
        + "\"value\":\"free\"}]}]}";
    HttpResponse<String> first = s.post("/v1/check", req);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-ratelimit-limit")).hasValue("2");
    assertThat(first.headers().firstValue("x-ratelimit-remaining")).hasValue("1");
    assertThat(first.headers().firstValue("x-ratelimit-reset").orElseThrow()).matches("\\d+");
    assertThat(first.headers().firstValue("ratelimit-policy"))
        .hasValue("\"free-plan\";q=2;w=3600");
    assertThat(first.headers().firstValue("ratelimit").orElseThrow())
        .matches("\"free-plan\";r=1;t=\\d+");
    assertThat(first.headers().firstValue("retry-after")).isEmpty();
    JsonNode b = body(first);
    assertThat(b.path("allowed").asBoolean()).isTrue();
    assertThat(b.path("statuses").get(0).path("limit").path("name").asText())
        .isEqualTo("free-plan");
    assertThat(s.post("/v1/check", req).statusCode()).isEqualTo(200);
    HttpResponse<String> over = s.post("/v1/check", req);
    assertThat(over.statusCode()).isEqualTo(429);
    assertThat(over.headers().firstValue("x-ratelimit-remaining")).hasValue("0");
    long retry = Long.parseLong(over.headers().firstValue("retry-after").orElseThrow());
    assertThat(retry).isBetween(1L, 3600L);
    assertThat(body(over).path("code").asText()).isEqualTo("OVER_LIMIT");
  }

  @Test
  void moreHitsThanALimitCanEverHoldAreRefusedWithoutRetryAfter() throws Exception {
    HttpResponse<String> r = s.post("/v1/check", "{\"domain\":\"api\",\"hits\":9007199254740992,"
        + "\"descriptors\":[{\"entries\":[{\"key\":\"user\",\"value\":\"greedy\"}]}]}");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).isEmpty();
    assertThat(body(r).path("statuses").get(0).get("retryAfterSeconds").isNull()).isTrue();
    // and nothing was taken
    assertThat(s.post("/json", Running.envoy("api", "user", "greedy")).body())
        .contains("\"limitRemaining\":2");
  }

  @Test
  void checkIsAllOrNothingAcrossDescriptors() throws Exception {
    // user check-aon has 3/minute; take 2, then ask for 2 on it together with a fresh user
    String two = "{\"domain\":\"api\",\"hits\":2,\"descriptors\":[{\"entries\":[{\"key\":"
        + "\"user\",\"value\":\"check-aon\"}]}]}";
    assertThat(s.post("/v1/check", two).statusCode()).isEqualTo(200);
    String both = "{\"domain\":\"api\",\"hits\":2,\"descriptors\":["
        + "{\"entries\":[{\"key\":\"user\",\"value\":\"check-aon-fresh\"}]},"
        + "{\"entries\":[{\"key\":\"user\",\"value\":\"check-aon\"}]}]}";
    HttpResponse<String> denied = s.post("/v1/check", both);
    assertThat(denied.statusCode()).isEqualTo(429);
    JsonNode st = body(denied).path("statuses");
    assertThat(st.get(0).path("code").asText()).isEqualTo("OK");
    assertThat(st.get(1).path("code").asText()).isEqualTo("OVER_LIMIT");
    // nothing was taken from the fresh user: 3 permits are still there
    String fresh = "{\"domain\":\"api\",\"hits\":3,\"descriptors\":[{\"entries\":[{\"key\":"
        + "\"user\",\"value\":\"check-aon-fresh\"}]}]}";
    assertThat(s.post("/v1/check", fresh).statusCode()).isEqualTo(200);
  }

  @Test
  void checkMapsARequestThroughRoutes() throws Exception {
    String req = "{\"domain\":\"api\",\"request\":{\"method\":\"GET\",\"path\":\"/pizza/1\","
        + "\"headers\":{\"x-user\":\"route-bob\"}}}";
    for (int i = 0; i < 3; i++) {
      assertThat(s.post("/v1/check", req).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> over = s.post("/v1/check", req);
    assertThat(over.statusCode()).isEqualTo(429);
    assertThat(body(over).path("statuses").get(0).path("entries").get(0).path("value").asText())
        .isEqualTo("route-bob");
    // no route covers POST: allowed, nothing limited
    HttpResponse<String> post = s.post("/v1/check", req.replace("GET", "POST"));
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(body(post).path("statuses").size()).isZero();
  }

  @Test
  void healthReadinessAndMetrics() throws Exception {
    assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = s.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(body(ready).path("rules").path("domains").asInt()).isEqualTo(1);
    String metrics = s.metrics();
    assertThat(metrics).contains("sluice_rules_reloads_total{result=\"ok\"}")
        .contains("sluice_backend_latency_seconds_bucket");
  }

  @Test
  void metricsCarryJvmProcessAndStoreMeters() throws Exception {
    s.post("/json", Running.envoy("api", "user", "metrics-store"));
    String metrics = s.metrics();
    assertThat(metrics).contains("jvm_memory_used_bytes{", "jvm_buffer_memory_used_bytes{",
        "jvm_gc_", "jvm_threads_live_threads ", "jvm_classes_loaded_classes ",
        "system_cpu_count ", "process_cpu_usage ", "process_uptime_seconds ",
        "process_start_time_seconds ", "process_files_open_files ",
        "sluice_store_capacity{store=\"memory\"} ");
    assertThat(metrics).containsPattern("sluice_store_keys\\{store=\"memory\"} [1-9]");
  }
}
