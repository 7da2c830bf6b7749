package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Usage counted after the fact, on a real server over real sockets: a rule with {@code
 * record_over_limit} counts every hit even when over its limit, on envoy's {@code /json}, on gRPC
 * and on {@code /v1/check}, and answers OVER_LIMIT when over; the {@code recordOverLimit} flag of
 * {@code /v1/check} does the same for any rule; a plain rule refuses without counting. Daily
 * windows, so that no request sequence crosses a window (bar one at midnight UTC).
 */
class RecordOverLimitServerTest {

  static final String RULES = """
      domain: usage
      descriptors:
        - key: report
          record_over_limit: true
          rate_limit: {unit: day, requests_per_unit: 10}
        - key: plain
          rate_limit: {unit: day, requests_per_unit: 10}
      """;

  @TempDir static Path dir;
  static Running s;
  static RateLimitServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    s = Running.start(dir, Map.of("usage.yaml", RULES), Map.of());
    stub = GrpcClients.newClient("http://127.0.0.1:" + s.server.grpcPort() + "/",
        RateLimitServiceBlockingStub.class);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static String json(String key, String value, long hits) {
    return "{\"domain\":\"usage\",\"hits_addend\":" + hits + ",\"descriptors\":[{\"entries\":"
        + "[{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}]}]}";
  }

  private static String check(String key, String value, long hits, String extra) {
    return "{\"domain\":\"usage\",\"hits\":" + hits + extra + ",\"descriptors\":[{\"entries\":"
        + "[{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}]}]}";
  }

  private static JsonNode body(HttpResponse<String> r) throws Exception {
    return HttpApiTest.JSON.readTree(r.body());
  }

  private static String jsonCode(String key, String value, long hits) throws Exception {
    HttpResponse<String> r = s.post("/json", json(key, value, hits));
    return body(r).path("overallCode").asText();
  }

  @Test
  void onJsonARecordedRuleCountsPastItsLimitAndAPlainRuleDoesNot() throws Exception {
    assertThat(jsonCode("plain", "json", 8)).isEqualTo("OK");
    assertThat(jsonCode("plain", "json", 5)).isEqualTo("OVER_LIMIT"); // not counted
    assertThat(jsonCode("plain", "json", 2)).isEqualTo("OK"); // 10

    assertThat(jsonCode("report", "json", 8)).isEqualTo("OK");
    assertThat(jsonCode("report", "json", 5)).isEqualTo("OVER_LIMIT"); // counted: 13
    assertThat(jsonCode("report", "json", 2)).isEqualTo("OVER_LIMIT");
    HttpResponse<String> r = s.post("/json", json("report", "json", 0));
    assertThat(body(r).path("statuses").get(0).path("limitRemaining").asLong()).isZero();
  }

  @Test
  void onGrpcARecordedRuleCountsPastItsLimit() {
    RateLimitRequest.Builder req = RateLimitRequest.newBuilder().setDomain("usage")
        .addDescriptors(GrpcServiceTest.descriptor("report", "grpc"));
    RateLimitResponse first = stub.shouldRateLimit(req.setHitsAddend(8).build());
    assertThat(first.getOverallCode()).isEqualTo(Code.OK);
    assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(2);
    RateLimitResponse over = stub.shouldRateLimit(req.setHitsAddend(5).build());
    assertThat(over.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(over.getStatuses(0).getLimitRemaining()).isZero();
    assertThat(stub.shouldRateLimit(req.setHitsAddend(2).build()).getOverallCode())
        .as("the 5 were counted").isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void theCheckFlagRecordsPastTheLimitOfAnyRule() throws Exception {
    assertThat(s.post("/v1/check", check("plain", "flag", 8, "")).statusCode()).isEqualTo(200);
    HttpResponse<String> over =
        s.post("/v1/check", check("plain", "flag", 5, ",\"recordOverLimit\":true"));
    assertThat(over.statusCode()).as(over.body()).isEqualTo(429);
    JsonNode st = body(over).path("statuses").get(0);
    assertThat(st.path("code").asText()).isEqualTo("OVER_LIMIT");
    assertThat(st.path("remaining").asLong()).isZero();
    assertThat(s.post("/v1/check", check("plain", "flag", 2, "")).statusCode())
        .as("the 5 were counted").isEqualTo(429);
    assertThat(s.post("/v1/check", check("plain", "flag2", 8, ",\"recordOverLimit\":false"))
        .statusCode()).isEqualTo(200);
  }

  @Test
  void aRecordedDescriptorCountsEvenWhenTheOthersRefuseTheRequest() throws Exception {
    assertThat(s.post("/v1/check", check("plain", "both", 10, "")).statusCode()).isEqualTo(200);
    String both = "{\"domain\":\"usage\",\"hits\":3,\"descriptors\":["
        + "{\"entries\":[{\"key\":\"plain\",\"value\":\"both\"}]},"
        + "{\"entries\":[{\"key\":\"report\",\"value\":\"both\"}]}]}";
    HttpResponse<String> r = s.post("/v1/check", both);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(body(r).path("statuses").get(1).path("remaining").asLong())
        .as("the recorded descriptor took its 3 all the same").isEqualTo(7);
  }

  @Test
  void aFlagThatIsNotABooleanIsA400() throws Exception {
    HttpResponse<String> r =
        s.post("/v1/check", check("plain", "bad", 1, ",\"recordOverLimit\":\"yes\""));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("recordOverLimit must be true or false");
  }
}
