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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shadow-mode: true} over real HTTP and gRPC, as envoy's {@code SHADOW_MODE}: every
 * decision is counted, every answer admits, the refusing descriptor is still reported over limit,
 * and {@code sluice_global_shadow_mode_total} counts the requests it admitted.
 */
class ShadowModeTest {

  @TempDir Path dir;

  @Test
  void refusalsAreCountedAndAnsweredOk() throws Exception {
    Running.clearOfAMinuteBoundary();
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
        Map.of("shadow-mode", "true", "grpc-response-headers", "true"))) {
      List<Integer> codes = new ArrayList<>();
      HttpResponse<String> last = null;
      for (int i = 0; i < 5; i++) {
        last = s.post("/json", Running.envoy("api", "user", "shadow"));
        codes.add(last.statusCode());
      }
      assertThat(codes).containsOnly(200);
      JsonNode body = HttpApiTest.JSON.readTree(last.body());
      assertThat(body.path("overallCode").asText()).isEqualTo("OK");
      assertThat(body.path("statuses").get(0).path("code").asText()).isEqualTo("OVER_LIMIT");

      RateLimitServiceBlockingStub stub = GrpcClients.newClient(
          "http://127.0.0.1:" + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
      RateLimitResponse r = stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("api")
          .addDescriptors(GrpcServiceTest.descriptor("user", "shadow")).build());
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getResponseHeadersToAddList()).noneMatch(h -> h.getKey().equals("Retry-After"))
          .anyMatch(h -> h.getKey().equals("X-RateLimit-Remaining") && h.getValue().equals("0"));

      HttpResponse<String> check = s.post("/v1/check", "{\"domain\":\"api\",\"descriptors\":"
          + "[{\"entries\":[{\"key\":\"user\",\"value\":\"shadow\"}]}]}");
      assertThat(check.statusCode()).isEqualTo(200);
      assertThat(HttpApiTest.JSON.readTree(check.body()).path("allowed").asBoolean()).isTrue();
      assertThat(check.headers().firstValue("Retry-After")).isEmpty();
      assertThat(check.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");

      // a request under its limit is not counted as shadowed
      assertThat(s.post("/json", Running.envoy("api", "user", "other")).statusCode())
          .isEqualTo(200);
      String metrics = s.metrics();
      assertThat(metrics).contains("sluice_global_shadow_mode_total{domain=\"api\"} 4.0");
      assertThat(metrics).contains("sluice_decisions_total{descriptor=\"api.user\",domain=\"api\","
          + "outcome=\"over_limit\"} 4.0");
    }
  }

  @Test
  void offByDefault() throws Exception {
    Running.clearOfAMinuteBoundary();
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of())) {
      assertThat(s.server.config().shadowMode()).isFalse();
      List<Integer> codes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        codes.add(s.post("/json", Running.envoy("api", "user", "strict")).statusCode());
      }
      assertThat(codes).containsExactly(200, 200, 200, 429);
      assertThat(s.metrics()).doesNotContain("sluice_global_shadow_mode_total{");
    }
  }
}
