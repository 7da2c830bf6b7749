package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisStandalone;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/reserve} and {@code /v1/settle} on real servers over real sockets: an estimate held,
 * settled once at its actual cost (less refunded, more counted past the limit), a second settle
 * 409, an unknown one 404, bad input 400; on the memory backend, and on Redis standalone, Redis
 * Cluster and eventual mode with two instances, where the instance that settles is not the one
 * that reserved. Daily windows, so that no sequence crosses a window (bar one at midnight UTC).
 */
class ReserveSettleServerTest {

  static final String RULES = """
      domain: llm
      descriptors:
        - key: user
          rate_limit: {unit: day, requests_per_unit: 1000}
        - key: tenant
          rate_limit: {unit: day, requests_per_unit: 5000}
        - key: free
      """;

  private static final AtomicInteger USERS = new AtomicInteger();

  @TempDir Path dir;

  static JsonNode body(HttpResponse<String> r) throws Exception {
    return HttpApiTest.JSON.readTree(r.body());
  }

  private static String reserve(String user, String tenant, long hits, String extra) {
    return "{\"domain\":\"llm\",\"hits\":" + hits + extra + ",\"descriptors\":["
        + "{\"entries\":[{\"key\":\"user\",\"value\":\"" + user + "\"}]},"
        + "{\"entries\":[{\"key\":\"tenant\",\"value\":\"" + tenant + "\"}]}]}";
  }

  private static String settle(String reservation, long actual) {
    return "{\"reservation\":\"" + reservation + "\",\"actual\":" + actual + "}";
  }

  /** The user's remaining permits, by a zero-hit check. */
  private static long remaining(Running s, String user) throws Exception {
    HttpResponse<String> r = s.post("/v1/check", "{\"domain\":\"llm\",\"hits\":0,"
        + "\"descriptors\":[{\"entries\":[{\"key\":\"user\",\"value\":\"" + user + "\"}]}]}");
    return body(r).path("statuses").path(0).path("remaining").asLong();
  }

  /**
   * The whole model on two instances (the same one for the memory backend): reserve on {@code a},
   * settle on {@code b}.
   */
  private static void reserveThenSettle(Running a, Running b) throws Exception {
    String user = "u" + USERS.incrementAndGet() + "-" + System.nanoTime();
    String tenant = "t-" + user;
    HttpResponse<String> held = a.post("/v1/reserve", reserve(user, tenant, 300, ""));
    assertThat(held.statusCode()).as(held.body()).isEqualTo(200);
    JsonNode h = body(held);
    assertThat(h.path("allowed").asBoolean()).isTrue();
    assertThat(h.path("timeoutSeconds").asLong()).isEqualTo(HttpApi.DEFAULT_HOLD_SECONDS);
    assertThat(h.path("statuses").path(0).path("remaining").asLong()).isEqualTo(700);
    assertThat(h.path("statuses").path(1).path("remaining").asLong()).isEqualTo(4700);
    assertThat(held.headers().firstValue("x-ratelimit-remaining")).hasValue("700");
    String id = h.path("reservation").asText();
    assertThat(id).isNotEmpty();

    // settled on the other instance: 180 of the 300 given back to both descriptors
    HttpResponse<String> settled = b.post("/v1/settle", settle(id, 120));
    assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
    JsonNode s = body(settled);
    assertThat(s.path("code").asText()).isEqualTo("SETTLED");
    assertThat(s.path("statuses").path(0).path("code").asText()).isEqualTo("SETTLED");
    assertThat(s.path("statuses").path(0).path("estimate").asLong()).isEqualTo(300);
    assertThat(s.path("statuses").path(0).path("actual").asLong()).isEqualTo(120);
    assertThat(s.path("statuses").path(0).path("remaining").asLong()).isEqualTo(880);
    assertThat(s.path("statuses").path(1).path("remaining").asLong()).isEqualTo(4880);
    // (in eventual mode the settling instance learns the count at once, the other at a sync)
    assertThat(remaining(b, user)).isEqualTo(880);

    // once only: a second settle, on either instance, changes nothing
    HttpResponse<String> again = a.post("/v1/settle", settle(id, 0));
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
    assertThat(body(again).path("code").asText()).isEqualTo("ALREADY_SETTLED");
    assertThat(body(again).path("error").asText()).contains("settled already");
    assertThat(remaining(b, user)).isEqualTo(880);

    // more than the estimate: counted past the limit, later requests refused
    String big = body(a.post("/v1/reserve", reserve(user, tenant, 800, ""))).path("reservation")
        .asText();
    HttpResponse<String> over = b.post("/v1/settle", settle(big, 1500));
    assertThat(over.statusCode()).as(over.body()).isEqualTo(200);
    assertThat(body(over).path("statuses").path(0).path("remaining").asLong()).isZero();
    assertThat(body(over).path("statuses").path(0).has("retryAfterSeconds")).isTrue();
    HttpResponse<String> refused = a.post("/v1/reserve", reserve(user, tenant, 1, ""));
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(body(refused).has("reservation")).isFalse();
    // the tenant, with room, held nothing for the refused reservation (all or nothing)
    assertThat(body(refused).path("statuses").path(1).path("remaining").asLong())
        .isEqualTo(5000 - 120 - 1500);

    // a made-up hold id under the same descriptors finds nothing
    String forged = new String(Base64.getUrlDecoder().decode(id))
        .replaceAll("\"hold\":\"[^\"]+\"", "\"hold\":\"AAAAAAAAAAAAAAAAAAAAAA\"");
    HttpResponse<String> unknown = b.post("/v1/settle",
        settle(Base64.getUrlEncoder().withoutPadding().encodeToString(forged.getBytes()), 0));
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
    assertThat(body(unknown).path("code").asText()).isEqualTo("UNKNOWN");
  }

  @Test
  void onTheMemoryBackend() throws Exception {
    try (Running s = Running.start(dir, Map.of("llm.yaml", RULES), Map.of())) {
      reserveThenSettle(s, s);
    }
  }

  @Test
  void onRedisAnotherInstanceSettles() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running a = Running.start(dir, Map.of("llm.yaml", RULES), Map.of("backend", redis.uri()));
        Running b = Running.start(dir, Map.of(), Map.of("backend", redis.uri()))) {
      reserveThenSettle(a, b);
    }
  }

  @Test
  void onRedisClusterAnotherInstanceSettles() throws Exception {
    try (RedisCluster cluster = RedisCluster.start();
        Running a = Running.start(dir, Map.of("llm.yaml", RULES),
            Map.of("backend", cluster.uri()));
        Running b = Running.start(dir, Map.of(), Map.of("backend", cluster.uri()))) {
      reserveThenSettle(a, b);
    }
  }

  @Test
  void inEventualModeHoldsAreTakenInRedisAndAnotherInstanceSettles() throws Exception {
    Map<String, String> settings = Map.of("mode", "eventual", "sync-interval", "20ms",
        "first-sight", "sync"); // a key new to an instance is asked of Redis
    try (RedisStandalone redis = RedisStandalone.start()) {
      Map<String, String> withRedis = new java.util.HashMap<>(settings);
      withRedis.put("backend", redis.uri());
      try (Running a = Running.start(dir, Map.of("llm.yaml", RULES), withRedis);
          Running b = Running.start(dir, Map.of(), withRedis)) {
        reserveThenSettle(a, b);
      }
    }
  }

  @Test
  void anExpiredReservationIsUnknownAndKeepsItsEstimate() throws Exception {
    try (Running s = Running.start(dir, Map.of("llm.yaml", RULES), Map.of())) {
      HttpResponse<String> held = s.post("/v1/reserve",
          reserve("expiring", "t-expiring", 40, ",\"timeoutSeconds\":1"));
      assertThat(held.statusCode()).as(held.body()).isEqualTo(200);
      Thread.sleep(1_500);
      HttpResponse<String> late = s.post("/v1/settle",
          settle(body(held).path("reservation").asText(), 5));
      assertThat(late.statusCode()).as(late.body()).isEqualTo(404);
      assertThat(body(late).path("error").asText()).contains("expired");
      assertThat(remaining(s, "expiring")).isEqualTo(960);
    }
  }

  @Test
  void descriptorsWithoutALimitHoldNothingAndSettleAsNotHeld() throws Exception {
    try (Running s = Running.start(dir, Map.of("llm.yaml", RULES), Map.of())) {
      HttpResponse<String> held = s.post("/v1/reserve", "{\"domain\":\"llm\",\"hits\":5,"
          + "\"descriptors\":[{\"entries\":[{\"key\":\"free\",\"value\":\"x\"}]}]}");
      assertThat(held.statusCode()).as(held.body()).isEqualTo(200);
      HttpResponse<String> settled = s.post("/v1/settle",
          settle(body(held).path("reservation").asText(), 50));
      assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
      assertThat(body(settled).path("statuses").path(0).path("code").asText())
          .isEqualTo("NOT_HELD");
    }
  }

  @Test
  void badInputIsA400WithAMessageAndChangesNothing() throws Exception {
    try (Running s = Running.start(dir, Map.of("llm.yaml", RULES), Map.of())) {
      String id = body(s.post("/v1/reserve", reserve("bad", "t-bad", 10, "")))
          .path("reservation").asText();
      Map<String, String> cases = Map.of(
          settle(id, -1), "actual must be an integer in 0..",
          "{\"actual\":1}", "reservation is required",
          "{\"reservation\":\"" + id + "\"}", "actual is required",
          settle("not-an-id!", 1), "reservation is not a reservation id",
          settle(Base64.getUrlEncoder().encodeToString("{\"x\":1}".getBytes()), 1),
          "reservation is not a reservation id",
          "{\"reservation\":\"" + id + "\",\"actual\":1,\"extra\":1}", "unknown field extra",
          "[]", "the body must be a JSON object");
      for (Map.Entry<String, String> c : cases.entrySet()) {
        HttpResponse<String> r = s.post("/v1/settle", c.getKey());
        assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
        assertThat(body(r).path("error").asText()).as(c.getKey()).contains(c.getValue());
      }
      Map<String, String> reserves = Map.of(
          reserve("bad", "t-bad", 1, ",\"timeoutSeconds\":0"), "timeoutSeconds must be",
          reserve("bad", "t-bad", -5, ""), "hits must be an integer",
          "{\"domain\":\"llm\",\"request\":{}}", "unknown field request",
          "{\"domain\":\"llm\"}", "descriptors is required");
      for (Map.Entry<String, String> c : reserves.entrySet()) {
        HttpResponse<String> r = s.post("/v1/reserve", c.getKey());
        assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
        assertThat(body(r).path("error").asText()).as(c.getKey()).contains(c.getValue());
      }
      assertThat(remaining(s, "bad")).as("nothing settled or taken by bad input").isEqualTo(990);
      assertThat(s.post("/v1/settle", settle(id, 10)).statusCode()).isEqualTo(200);
    }
  }
}
