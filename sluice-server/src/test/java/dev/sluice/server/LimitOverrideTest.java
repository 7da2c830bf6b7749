package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * envoy's descriptor {@code limit} override over real gRPC and {@code POST /json}: it replaces the
 * matched rule's limit, applies without a rule, counts per override, and refuses unknown units.
 */
class LimitOverrideTest {

  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Running s;
  static RateLimitServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of());
    stub = GrpcClients.newClient("http://127.0.0.1:" + s.server.grpcPort() + "/",
        RateLimitServiceBlockingStub.class);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static RateLimitRequest request(String key, String value, int rpu, RateLimitUnit unit) {
    return RateLimitRequest.newBuilder().setDomain("api").addDescriptors(
        RateLimitDescriptor.newBuilder()
            .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value))
            .setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder()
                .setRequestsPerUnit(rpu).setUnit(unit)))
        .build();
  }

  @Test
  void overrideReplacesTheMatchedRulesLimit() {
    // the rule says 3/minute; the override allows 5/hour
    RateLimitRequest req = request("user", "grpc-override", 5, RateLimitUnit.HOUR);
    for (int i = 0; i < 5; i++) {
      RateLimitResponse r = stub.shouldRateLimit(req);
      assertThat(r.getOverallCode()).as("request %d", i + 1).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(5);
      assertThat(r.getStatuses(0).getCurrentLimit().getUnit())
          .isEqualTo(RateLimitResponse.RateLimit.Unit.HOUR);
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(4 - i);
    }
    assertThat(stub.shouldRateLimit(req).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void overrideOnAnUnlimitedOrShadowRuleIsEnforced() {
    // envoy: the override is never unlimited nor shadowed
    RateLimitRequest health = request("health", "grpc", 1, RateLimitUnit.HOUR);
    assertThat(stub.shouldRateLimit(health).getOverallCode()).isEqualTo(Code.OK);
    assertThat(stub.shouldRateLimit(health).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    RateLimitRequest trial = request("trial", "grpc", 1, RateLimitUnit.HOUR);
    assertThat(stub.shouldRateLimit(trial).getOverallCode()).isEqualTo(Code.OK);
    assertThat(stub.shouldRateLimit(trial).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void overrideAppliesWhenNoRuleMatches() {
    RateLimitRequest req = request("tenant", "acme", 2, RateLimitUnit.DAY);
    RateLimitResponse first = stub.shouldRateLimit(req);
    assertThat(first.getOverallCode()).isEqualTo(Code.OK);
    assertThat(first.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(2);
    assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    assertThat(stub.shouldRateLimit(req).getOverallCode()).isEqualTo(Code.OK);
    assertThat(stub.shouldRateLimit(req).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    // in an unknown domain nothing applies, as in envoy
    RateLimitRequest unknown = req.toBuilder().setDomain("nowhere").build();
    RateLimitResponse r = stub.shouldRateLimit(unknown);
    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).hasCurrentLimit()).isFalse();
  }

  @Test
  void zeroRequestsPerUnitDeniesEveryRequest() {
    RateLimitResponse r = stub.shouldRateLimit(request("tenant", "zero", 0, RateLimitUnit.HOUR));
    assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void differentOverridesOfOneDescriptorCountSeparately() {
    RateLimitRequest hourly = request("tenant", "split", 1, RateLimitUnit.HOUR);
    RateLimitRequest daily = request("tenant", "split", 1, RateLimitUnit.DAY);
    assertThat(stub.shouldRateLimit(hourly).getOverallCode()).isEqualTo(Code.OK);
    assertThat(stub.shouldRateLimit(daily).getOverallCode()).isEqualTo(Code.OK);
    assertThat(stub.shouldRateLimit(hourly).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(stub.shouldRateLimit(daily).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    // and apart from the descriptor's rule (3/minute) too
    RateLimitRequest ruled = RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(RateLimitDescriptor.newBuilder().addEntries(
            RateLimitDescriptor.Entry.newBuilder().setKey("user").setValue("split")))
        .build();
    assertThat(stub.shouldRateLimit(request("user", "split", 1, RateLimitUnit.DAY))
        .getOverallCode()).isEqualTo(Code.OK);
    assertThat(stub.shouldRateLimit(ruled).getStatuses(0).getLimitRemaining()).isEqualTo(2);
  }

  @Test
  void unknownUnitIsInvalidArgument() {
    for (int unit : new int[] {0, 42}) {
      RateLimitRequest req = RateLimitRequest.newBuilder().setDomain("api").addDescriptors(
          RateLimitDescriptor.newBuilder()
              .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("user").setValue("u"))
              .setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder()
                  .setRequestsPerUnit(1).setUnitValue(unit)))
          .build();
      assertThatThrownBy(() -> stub.shouldRateLimit(req))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription())
                .contains("descriptors[0].limit.unit must be one of")
                .contains(unit == 0 ? "UNKNOWN" : "42");
          });
    }
  }

  @Test
  void jsonOverrideCountsAndRefusesBadUnits() throws Exception {
    String req = "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"tenant\","
        + "\"value\":\"json\"}],\"limit\":{\"requests_per_unit\":2,\"unit\":\"HOUR\"}}]}";
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = s.post("/json", req);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("overallCode").asText()).isEqualTo("OK");
      assertThat(body.path("statuses").get(0).path("currentLimit").path("requestsPerUnit")
          .asInt()).isEqualTo(2);
      assertThat(body.path("statuses").get(0).path("currentLimit").path("unit").asText())
          .isEqualTo("HOUR");
    }
    HttpResponse<String> over = s.post("/json", req);
    assertThat(over.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(over.body()).path("overallCode").asText()).isEqualTo("OVER_LIMIT");
    // a different unit on the same descriptor counts on its own
    HttpResponse<String> daily = s.post("/json", req.replace("HOUR", "DAY"));
    assertThat(daily.statusCode()).isEqualTo(200);

    HttpResponse<String> unknown = s.post("/json", req.replace("\"HOUR\"", "\"UNKNOWN\""));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("descriptors[0].limit.unit must be one of");
    HttpResponse<String> number = s.post("/json", req.replace("\"HOUR\"", "42"));
    assertThat(number.statusCode()).isEqualTo(400);
    assertThat(number.body()).contains("descriptors[0].limit.unit must be one of");
    HttpResponse<String> named = s.post("/json", req.replace("HOUR", "FORTNIGHT"));
    assertThat(named.statusCode()).isEqualTo(400);
    assertThat(named.body()).contains("FORTNIGHT");
  }
}
