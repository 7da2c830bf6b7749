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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * envoy ratelimit's {@code quota_mode} over real HTTP ({@code /json}) and gRPC: a quota descriptor
 * over its limit is reported {@code OVER_LIMIT}, but the request is refused only when every quota
 * descriptor of it is over its limit, or when a descriptor that is not a quota is; {@code
 * quota-mode: true} (envoy's {@code QUOTA_MODE}) makes every descriptor a quota.
 */
class QuotaModeTest {

  static final String RULES = """
      domain: q
      descriptors:
        - key: team
          quota_mode: true
          rate_limit: {unit: hour, requests_per_unit: 1}
        - key: org
          quota_mode: true
          rate_limit: {unit: hour, requests_per_unit: 3}
        - key: user
          rate_limit: {unit: hour, requests_per_unit: 1}
        - key: health
          rate_limit: {unlimited: true}
      """;

  @TempDir Path dir;

  @Test
  void aQuotaOverItsLimitRefusesOnlyWithTheOtherQuotas() throws Exception {
    try (Running s = Running.start(dir, Map.of("q.yaml", RULES), Map.of())) {
      // team=a takes its one request; org=a has 3
      assertThat(code(s, "team", "a", "org", "a")).isEqualTo(Code.OK);
      // team=a is over, org=a is not: admitted, team reported over limit
      RateLimitResponse r = grpc(s, "team", "a", "org", "a");
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(1);
      // the same on /json: 200, the over-limit quota reported
      HttpResponse<String> json = s.post("/json", body("team", "a", "org", "a"));
      assertThat(json.statusCode()).isEqualTo(200);
      JsonNode b = HttpApiTest.JSON.readTree(json.body());
      assertThat(b.path("overallCode").asText()).isEqualTo("OK");
      assertThat(b.path("statuses").get(0).path("code").asText()).isEqualTo("OVER_LIMIT");
      assertThat(b.path("statuses").get(1).path("code").asText()).isEqualTo("OK");
      // org=a is used up (3 of 3): now every quota is over, the request is refused
      RateLimitResponse all = grpc(s, "team", "a", "org", "a");
      assertThat(all.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(all.getStatusesList()).extracting(RateLimitResponse.DescriptorStatus::getCode)
          .containsExactly(Code.OVER_LIMIT, Code.OVER_LIMIT);
      assertThat(s.post("/json", body("team", "a", "org", "a")).statusCode()).isEqualTo(429);
      // a quota alone refuses when over its limit
      assertThat(code(s, "team", "a")).isEqualTo(Code.OVER_LIMIT);
      // an unlimited descriptor is no quota: the quota is still the only one, and over
      assertThat(code(s, "team", "a", "health", "x")).isEqualTo(Code.OVER_LIMIT);
    }
  }

  @Test
  void aRateLimitOverItsLimitRefusesWhateverTheQuotasSay() throws Exception {
    try (Running s = Running.start(dir, Map.of("q.yaml", RULES), Map.of())) {
      assertThat(code(s, "user", "u", "org", "b")).isEqualTo(Code.OK);
      RateLimitResponse r = grpc(s, "user", "u", "org", "b");
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OK);
      // the quota counted the refused request, as envoy counts each descriptor
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(1);
    }
  }

  @Test
  void globalQuotaModeMakesEveryDescriptorAQuota() throws Exception {
    try (Running s = Running.start(dir, Map.of("q.yaml", RULES),
        Map.of("quota-mode", "true"))) {
      assertThat(s.server.config().quotaMode()).isTrue();
      assertThat(code(s, "user", "g", "org", "g")).isEqualTo(Code.OK);
      // user=g is over, org=g is not: admitted
      RateLimitResponse r = grpc(s, "user", "g", "org", "g");
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(s.post("/json", body("user", "g", "org", "g")).statusCode()).isEqualTo(200);
      // org=g used up: all over, refused
      assertThat(code(s, "user", "g", "org", "g")).isEqualTo(Code.OVER_LIMIT);
      assertThat(s.post("/json", body("user", "g")).statusCode()).isEqualTo(429);
      // a descriptor no rule matches is a quota with room: it admits
      assertThat(code(s, "user", "g", "nobody", "x")).isEqualTo(Code.OK);
    }
  }

  /** The overall code of a gRPC request of one-entry descriptors {@code key, value, ...}. */
  private static Code code(Running s, String... keysAndValues) {
    return grpc(s, keysAndValues).getOverallCode();
  }

  private static RateLimitResponse grpc(Running s, String... keysAndValues) {
    RateLimitServiceBlockingStub stub = GrpcClients.newClient(
        "http://127.0.0.1:" + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
    RateLimitRequest.Builder req = RateLimitRequest.newBuilder().setDomain("q");
    for (int i = 0; i < keysAndValues.length; i += 2) {
      req.addDescriptors(GrpcServiceTest.descriptor(keysAndValues[i], keysAndValues[i + 1]));
    }
    return stub.shouldRateLimit(req.build());
  }

  /** An envoy /json body of one-entry descriptors {@code key, value, ...}. */
  private static String body(String... keysAndValues) {
    StringBuilder sb = new StringBuilder("{\"domain\":\"q\",\"descriptors\":[");
    for (int i = 0; i < keysAndValues.length; i += 2) {
      sb.append(i > 0 ? "," : "").append("{\"entries\":[{\"key\":\"").append(keysAndValues[i])
          .append("\",\"value\":\"").append(keysAndValues[i + 1]).append("\"}]}");
    }
    return sb.append("]}").toString();
  }
}
