package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code header-limit}, {@code header-remaining} and {@code header-reset} over real HTTP and gRPC:
 * envoy's names on every front end that sends the x-ratelimit style; bad names stop startup with
 * a message naming the setting.
 */
class HeaderNamesTest {

  @TempDir Path dir;

  @Test
  void envoysNamesOnHttpAndGrpc() throws Exception {
    Running.clearOfAMinuteBoundary();
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of(
        "headers", "x-ratelimit", "grpc-response-headers", "true",
        "header-limit", "RateLimit-Limit", "header-remaining", "RateLimit-Remaining",
        "header-reset", "RateLimit-Reset"))) {
      HttpResponse<String> check = s.post("/v1/check",
          "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"user\","
          + "\"value\":\"names\"}]}]}");
      assertThat(check.statusCode()).as(check.body()).isEqualTo(200);
      assertThat(check.headers().firstValue("RateLimit-Limit")).hasValue("3");
      assertThat(check.headers().firstValue("RateLimit-Remaining")).hasValue("2");
      assertThat(check.headers().firstValue("RateLimit-Reset")).isPresent();
      assertThat(check.headers().firstValue("X-RateLimit-Limit")).isEmpty();

      RateLimitServiceBlockingStub stub = GrpcClients.newClient(
          "http://127.0.0.1:" + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
      RateLimitResponse r = stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("api")
          .addDescriptors(GrpcServiceTest.descriptor("user", "names")).build());
      Map<String, String> headers = r.getResponseHeadersToAddList().stream()
          .collect(Collectors.toMap(HeaderValue::getKey, HeaderValue::getValue));
      assertThat(headers).containsOnlyKeys("RateLimit-Limit", "RateLimit-Remaining",
          "RateLimit-Reset").containsEntry("RateLimit-Limit", "3")
          .containsEntry("RateLimit-Remaining", "1");

      HttpResponse<String> authorize = s.send(java.net.http.HttpRequest.newBuilder(
          s.uri("/v1/authorize/api")).header("X-Forwarded-Method", "GET")
          .header("X-Forwarded-Uri", "/pizza/margherita").header("x-user", "names").GET());
      assertThat(authorize.statusCode()).isEqualTo(200);
      assertThat(authorize.headers().firstValue("RateLimit-Remaining")).hasValue("0");
    }
  }

  @Test
  void badNamesNameTheSetting() {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("header-limit", "Rate Limit"), Map.of(),
        null)).isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("invalid header-limit 'Rate Limit' (from --header-limit): expected an HTTP"
            + " header name (letters, digits and !#$%&'*+-.^_`|~)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(),
        Map.of("SLUICE_HEADER_RESET", "x-ratelimit-limit"), null))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessageStartingWith("invalid header-reset 'x-ratelimit-limit' (from environment"
            + " SLUICE_HEADER_RESET)")
        .hasMessageContaining("the limit, remaining and reset headers need three different"
            + " names: X-RateLimit-Limit, X-RateLimit-Remaining, x-ratelimit-limit");
  }
}
