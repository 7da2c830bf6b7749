package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code descriptor-counting} on a running service: a request of two descriptors refused by the
 * narrow one consumes nothing from the wide one on {@code /json}, gRPC and {@code /v1/check}
 * (all-or-nothing, the default), and consumes from it with {@code each} (envoy's behaviour); the
 * refusal reports the narrow descriptor as over limit and the wide one as it stands.
 */
class DescriptorCountingTest {

  static final String RULES = """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: hour, requests_per_unit: 1, algorithm: FIXED_WINDOW}
        - key: plan
          rate_limit: {unit: hour, requests_per_unit: 100, algorithm: FIXED_WINDOW}
      """;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static String body(String user, String plan) {
    return "{\"domain\":\"api\",\"descriptors\":["
        + "{\"entries\":[{\"key\":\"plan\",\"value\":\"" + plan + "\"}]},"
        + "{\"entries\":[{\"key\":\"user\",\"value\":\"" + user + "\"}]}]}";
  }

  private static long planRemaining(Running s, String plan) throws Exception {
    return JSON.readTree(s.post("/v1/check", "{\"domain\":\"api\",\"hits\":0,\"descriptors\":"
        + "[{\"entries\":[{\"key\":\"plan\",\"value\":\"" + plan + "\"}]}]}").body())
        .path("statuses").get(0).path("remaining").asLong();
  }

  private static RateLimitDescriptor descriptor(String key, String value) {
    return RateLimitDescriptor.newBuilder().addEntries(
        RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value)).build();
  }

  @ParameterizedTest(name = "descriptor-counting {0}")
  @ValueSource(strings = {"all-or-nothing", "each", ""})
  void aRefusedRequestConsumesFromTheOtherDescriptorOnlyWhenCountingEach(String counting)
      throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    Map<String, String> settings = counting.isEmpty() ? Map.of()
        : Map.of("descriptor-counting", counting);
    boolean each = counting.equals("each");
    try (Running s = Running.start(rules, Map.of("api.yaml", RULES), settings)) {
      RateLimitServiceBlockingStub grpc = GrpcClients.newClient("http://127.0.0.1:"
          + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
      // /json: the first admitted, the second refused by the user's 1 per hour
      assertThat(s.post("/json", body("ann", "json")).statusCode()).isEqualTo(200);
      var refused = s.post("/json", body("ann", "json"));
      assertThat(refused.statusCode()).isEqualTo(429);
      var statuses = JSON.readTree(refused.body()).path("statuses");
      assertThat(statuses.get(0).path("code").asText()).isEqualTo("OK");
      assertThat(statuses.get(1).path("code").asText()).isEqualTo("OVER_LIMIT");
      assertThat(statuses.get(0).path("limitRemaining").asLong()).isEqualTo(each ? 98 : 99);
      assertThat(planRemaining(s, "json")).isEqualTo(each ? 98 : 99);

      // gRPC
      RateLimitRequest request = RateLimitRequest.newBuilder().setDomain("api")
          .addDescriptors(descriptor("plan", "grpc")).addDescriptors(descriptor("user", "bo"))
          .build();
      assertThat(grpc.shouldRateLimit(request).getOverallCode()).isEqualTo(Code.OK);
      RateLimitResponse over = grpc.shouldRateLimit(request);
      assertThat(over.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(over.getStatuses(0).getCode()).isEqualTo(Code.OK);
      assertThat(over.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(planRemaining(s, "grpc")).isEqualTo(each ? 98 : 99);

      // /v1/check
      assertThat(s.post("/v1/check", body("cy", "check")).statusCode()).isEqualTo(200);
      var checked = s.post("/v1/check", body("cy", "check"));
      assertThat(checked.statusCode()).isEqualTo(429);
      assertThat(JSON.readTree(checked.body()).path("statuses").get(1).path("retryAfterSeconds")
          .asLong()).isPositive();
      assertThat(planRemaining(s, "check")).isEqualTo(each ? 98 : 99);
    }
  }

  @Test
  void aRequestOfTheMostDescriptorsAllowedIsAnsweredAllOrNothing() throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    try (Running s = Running.start(rules, Map.of("api.yaml", RULES), Map.of())) {
      StringBuilder many = new StringBuilder("{\"domain\":\"api\",\"descriptors\":[");
      for (int i = 0; i < 999; i++) {
        many.append("{\"entries\":[{\"key\":\"plan\",\"value\":\"p").append(i)
            .append("\"}]},");
      }
      many.append("{\"entries\":[{\"key\":\"user\",\"value\":\"dee\"}]}]}");
      assertThat(s.post("/v1/check", many.toString()).statusCode()).isEqualTo(200);
      // refused by the user's 1 per hour: no plan is charged again
      assertThat(s.post("/json", many.toString()).statusCode()).isEqualTo(429);
      assertThat(planRemaining(s, "p0")).isEqualTo(99);
      assertThat(planRemaining(s, "p998")).isEqualTo(99);
    }
  }

  @Test
  void aBadValueStopsTheServiceNamingTheSetting() {
    assertThatThrownBy(() -> ServerConfig.resolve(
        Map.of("descriptor-counting", "atomic"), Map.of(), null))
        .hasMessage("invalid descriptor-counting 'atomic' (from --descriptor-counting):"
            + " expected all-or-nothing or each");
  }
}
