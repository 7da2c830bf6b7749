package dev.sluice.bench.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server benchmark's baselines on a real service, over real sockets: {@code POST /noop} and
 * gRPC domain {@code __noop__} answer the constant, everything else is decided as usual.
 */
class BaselineServerTest {

  @TempDir Path dir;

  private static RateLimitRequest request(String domain) {
    return RateLimitRequest.newBuilder().setDomain(domain)
        .addDescriptors(RateLimitDescriptor.newBuilder().addEntries(
            RateLimitDescriptor.Entry.newBuilder().setKey("user").setValue("bench"))).build();
  }

  @Test
  void servesTheNoOpsBesideTheRealEndpoints() throws Exception {
    Files.writeString(dir.resolve("bench.yaml"), "domain: bench\ndescriptors:\n  - key: user\n"
        + "    rate_limit: {unit: hour, requests_per_unit: 1}\n");
    try (SluiceServer server = BaselineServer.start(new String[] {"--rules", dir.toString(),
        "--http-port", "0", "--grpc-port=0", "--admin-port", "0"}, Map.of())) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String json = "{\"domain\":\"bench\",\"descriptors\":[{\"entries\":[{\"key\":\"user\","
          + "\"value\":\"bench\"}]}]}";
      HttpResponse<String> noop = http.send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + server.httpPort() + "/noop"))
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(noop.statusCode()).isEqualTo(200);
      assertThat(noop.body()).isEqualTo(BaselineServer.NOOP_BODY);
      int[] codes = new int[2];
      for (int i = 0; i < 2; i++) {
        codes[i] = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + server.httpPort() + "/json"))
            .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode();
      }
      assertThat(codes).containsExactly(200, 429);

      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
          .usePlaintext().build();
      try {
        RateLimitServiceGrpc.RateLimitServiceBlockingStub stub =
            RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        RateLimitResponse baseline = stub.shouldRateLimit(request(BaselineServer.NOOP_DOMAIN));
        assertThat(baseline.getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
        assertThat(baseline.getStatusesCount()).isZero();
        RateLimitResponse decided = stub.shouldRateLimit(request("bench"));
        assertThat(decided.getOverallCode()).isEqualTo(RateLimitResponse.Code.OVER_LIMIT);
        assertThat(decided.getStatusesCount()).isEqualTo(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void argumentsAreTheServiceSettings() {
    assertThat(BaselineServer.settings(new String[] {"--backend", "memory", "--http-port=9"}))
        .containsExactly(Map.entry("backend", "memory"), Map.entry("http-port", "9"));
    assertThatThrownBy(() -> BaselineServer.settings(new String[] {"serve"}))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("expected --setting value, got 'serve'");
    assertThatThrownBy(() -> BaselineServer.settings(new String[] {"--rules"}))
        .hasMessage("no value for --rules");
    assertThatThrownBy(() -> BaselineServer.start(new String[] {"--benchmark-endpoints",
        "true"}, Map.of())).hasMessage("unknown setting 'benchmark-endpoints'");
  }
}
