package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The no-op baselines of docs/server-benchmarks.md exist only with {@code benchmark-endpoints}. */
class BenchmarkEndpointsTest {

  @TempDir Path dir;

  private static RateLimitRequest noop() {
    return RateLimitRequest.newBuilder().setDomain(EnvoyRateLimitService.NOOP_DOMAIN)
        .addDescriptors(GrpcServiceTest.descriptor("user", "alice")).build();
  }

  private static RateLimitServiceBlockingStub stub(Running s) {
    return GrpcClients.newClient("http://127.0.0.1:" + s.server.grpcPort() + "/",
        RateLimitServiceBlockingStub.class);
  }

  @Test
  void offByDefault() throws Exception {
    assertThat(ServerConfig.defaults().benchmarkEndpoints()).isFalse();
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of())) {
      assertThat(s.post("/noop", Running.envoy("api", "user", "alice")).statusCode())
          .isEqualTo(404);
      // __noop__ is then an ordinary domain without rules: decided, one status per descriptor
      assertThat(stub(s).shouldRateLimit(noop()).getStatusesCount()).isEqualTo(1);
    }
  }

  @Test
  void onServesTheNoOps() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
        Map.of("benchmark-endpoints", "true"))) {
      var r = s.post("/noop", Running.envoy("api", "user", "alice"));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"overallCode\":\"OK\"}");
      RateLimitResponse g = stub(s).shouldRateLimit(noop());
      assertThat(g.getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
      assertThat(g.getStatusesCount()).isZero();
    }
  }
}
