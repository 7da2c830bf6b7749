package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** envoy's RateLimitService over real gRPC, through the generated stub. */
class GrpcServiceTest {

  @TempDir static Path dir;
  static Running s;
  static RateLimitServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
        Map.of("grpc-response-headers", "true", "max-descriptors", "5"));
    assertThat(s.server.grpcPort()).isNotEqualTo(s.server.httpPort());
    stub = GrpcClients.newClient("http://127.0.0.1:" + s.server.grpcPort() + "/",
        RateLimitServiceBlockingStub.class);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static RateLimitDescriptor descriptor(String key, String value) {
    return RateLimitDescriptor.newBuilder().addEntries(
        RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value)).build();
  }

  @Test
  void countsHitsAddendAndReportsEveryDescriptor() {
    RateLimitRequest req = RateLimitRequest.newBuilder().setDomain("api").setHitsAddend(2)
        .addDescriptors(descriptor("user", "grpc-1"))
        .addDescriptors(descriptor("health", "x"))
        .build();
    RateLimitResponse first = stub.shouldRateLimit(req);
    assertThat(first.getOverallCode()).isEqualTo(Code.OK);
    assertThat(first.getStatusesCount()).isEqualTo(2);
    RateLimitResponse.DescriptorStatus user = first.getStatuses(0);
    assertThat(user.getCode()).isEqualTo(Code.OK);
    assertThat(user.getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
    assertThat(user.getCurrentLimit().getUnit()).isEqualTo(RateLimitResponse.RateLimit.Unit.MINUTE);
    assertThat(user.getLimitRemaining()).isEqualTo(1);
    assertThat(user.getDurationUntilReset().getSeconds()).isBetween(1L, 60L);
    assertThat(Integer.toUnsignedLong(first.getStatuses(1).getLimitRemaining()))
        .isEqualTo(4294967295L);
    Map<String, String> headers = first.getResponseHeadersToAddList().stream()
        .collect(Collectors.toMap(HeaderValue::getKey, HeaderValue::getValue));
    assertThat(headers).containsEntry("X-RateLimit-Limit", "3")
        .containsEntry("X-RateLimit-Remaining", "1").containsKey("RateLimit-Policy");

    RateLimitResponse second = stub.shouldRateLimit(req);
    assertThat(second.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(second.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(second.getStatuses(1).getCode()).isEqualTo(Code.OK);
  }

  @Test
  void descriptorHitsAddendWinsOverTheRequests() {
    RateLimitRequest req = RateLimitRequest.newBuilder().setDomain("api").setHitsAddend(3)
        .addDescriptors(descriptor("user", "grpc-2").toBuilder()
            .setHitsAddend(UInt64Value.of(1)))
        .build();
    assertThat(stub.shouldRateLimit(req).getStatuses(0).getLimitRemaining()).isEqualTo(2);
    RateLimitRequest check = req.toBuilder().setDescriptors(0, req.getDescriptors(0).toBuilder()
        .setHitsAddend(UInt64Value.of(0))).build();
    assertThat(stub.shouldRateLimit(check).getStatuses(0).getLimitRemaining()).isEqualTo(2);
    // request level 0 means 1, as envoy
    RateLimitRequest zero = RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(descriptor("user", "grpc-2")).build();
    assertThat(stub.shouldRateLimit(zero).getStatuses(0).getLimitRemaining()).isEqualTo(1);
  }

  @Test
  void invalidRequestsFailWithInvalidArgument() {
    RateLimitRequest noDomain = RateLimitRequest.newBuilder()
        .addDescriptors(descriptor("user", "x")).build();
    assertInvalid(noDomain, "domain must not be empty");
    assertInvalid(RateLimitRequest.newBuilder().setDomain("api").build(),
        "descriptor list must not be empty");
    RateLimitRequest.Builder many = RateLimitRequest.newBuilder().setDomain("api");
    for (int i = 0; i < 6; i++) {
      many.addDescriptors(descriptor("user", "m" + i));
    }
    assertInvalid(many.build(), "too many descriptors: 6 (at most 5)");
    RateLimitRequest huge = RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(descriptor("user", "x").toBuilder().setHitsAddend(UInt64Value.of(-1)))
        .build();
    assertInvalid(huge, "hits_addend is too large");
    // and the service still answers
    assertThat(stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(descriptor("user", "after")).build()).getOverallCode())
        .isEqualTo(Code.OK);
  }

  private static void assertInvalid(RateLimitRequest req, String message) {
    assertThatThrownBy(() -> stub.shouldRateLimit(req))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }

  @Test
  void messagesOverTheBodyLimitAreResourceExhausted() {
    RateLimitRequest big = RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(descriptor("user", "x".repeat(2 << 20))).build();
    assertThatThrownBy(() -> stub.shouldRateLimit(big))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(descriptor("user", "after-big")).build()).getOverallCode())
        .isEqualTo(Code.OK);
  }

  @Test
  void grpcIsNotServedOnTheHttpPortNorHttpOnTheGrpcPort() throws Exception {
    RateLimitServiceBlockingStub wrong = GrpcClients.newClient(
        "http://127.0.0.1:" + s.server.httpPort() + "/", RateLimitServiceBlockingStub.class);
    assertThatThrownBy(() -> wrong.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("api")
        .addDescriptors(descriptor("user", "x")).build()))
        .isInstanceOf(StatusRuntimeException.class);
    java.net.http.HttpResponse<String> health = s.http.send(java.net.http.HttpRequest
        .newBuilder(java.net.URI.create("http://127.0.0.1:" + s.server.grpcPort() + "/healthz"))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(404);
    assertThat(RateLimitServiceGrpc.SERVICE_NAME)
        .isEqualTo("envoy.service.ratelimit.v3.RateLimitService");
  }
}
