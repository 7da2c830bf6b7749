package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code over-limit-cache} on a real Redis: once a hot key is denied, /json and gRPC deny it
 * without a Redis script call, and {@code sluice_over_limit_cache_hits_total} counts those
 * answers. (That the denial ends at its retry time on the clock: {@code OverLimitCacheTest} in
 * sluice-redis, on a manual clock.)
 */
class OverLimitCacheServerTest {

  static final String RULES = """
      domain: hot
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 2}
      """;

  @TempDir Path dir;

  @Test
  void aDeniedHotKeyCostsRedisNothingUntilItsWindowEnds() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running s = Running.start(dir, Map.of("hot.yaml", RULES),
            Map.of("backend", redis.uri(), "over-limit-cache", "1048576"))) {
      RedisNode node = redis.node();
      RateLimitServiceBlockingStub stub = GrpcClients.newClient(
          "http://127.0.0.1:" + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
      RateLimitRequest request = RateLimitRequest.newBuilder().setDomain("hot")
          .addDescriptors(GrpcServiceTest.descriptor("user", "hot")).build();
      Running.clearOfAMinuteBoundary();
      int admitted = 0;
      for (int i = 0; i < 3; i++) {
        admitted += s.post("/json", Running.envoy("hot", "user", "hot")).statusCode() == 200
            ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(2);
      node.call("CONFIG", "RESETSTAT");
      int denied = 0;
      for (int i = 0; i < 20; i++) {
        denied += s.post("/json", Running.envoy("hot", "user", "hot")).statusCode() == 429
            ? 1 : 0;
        denied += stub.shouldRateLimit(request).getOverallCode() == Code.OVER_LIMIT ? 1 : 0;
      }
      assertThat(denied).isEqualTo(40);
      assertThat(node.scriptCalls()).isZero();
      assertThat(s.metrics()).contains("sluice_over_limit_cache_hits_total 40.0");
      // another key still asks Redis
      assertThat(s.post("/json", Running.envoy("hot", "user", "cold")).statusCode())
          .isEqualTo(200);
      assertThat(node.scriptCalls()).isEqualTo(1);
    }
  }

  @Test
  void offByDefault() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running s = Running.start(dir, Map.of("hot.yaml", RULES),
            Map.of("backend", redis.uri()))) {
      assertThat(s.server.config().get(ServerConfig.OVER_LIMIT_CACHE)).isZero();
      for (int i = 0; i < 6; i++) {
        s.post("/json", Running.envoy("hot", "user", "off"));
      }
      assertThat(s.metrics()).contains("sluice_over_limit_cache_hits_total 0.0");
    }
  }
}
