package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.sluice.testkit.redis.RedisStandalone;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code sluice serve} with envoy ratelimit's environment ({@code envoy-env}): ports, Redis,
 * runtime directories, shadow mode, headers as envoy's container would use them, over real
 * sockets and a real redis-server; a variable Sluice cannot honour stops the start, naming it.
 */
class EnvoyEnvironmentTest {

  static final String RULES = """
      domain: rl
      descriptors:
        - key: user
          rate_limit: {unit: hour, requests_per_unit: 2}
      """;

  @TempDir Path dir;

  /** envoy's layout: RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/config/*.yaml, a dot file beside. */
  private Path runtime() throws IOException {
    Path config = Files.createDirectories(dir.resolve("current/ratelimit/config"));
    Files.writeString(config.resolve("rl.yaml"), RULES);
    Files.writeString(config.resolve(".hidden.yaml"), "not: rules");
    return dir.resolve("current");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Map<String, String> envoyEnv(Path root) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("SLUICE_ENVOY_ENV", "true");
    env.put(ServerConfig.ADMIN_TOKEN_ENV, Running.TOKEN);
    env.put("HOST", "127.0.0.1");
    env.put("DEBUG_HOST", "127.0.0.1");
    env.put("PORT", String.valueOf(freePort()));
    env.put("GRPC_PORT", String.valueOf(freePort()));
    env.put("DEBUG_PORT", String.valueOf(freePort()));
    env.put("RUNTIME_ROOT", root.toString());
    env.put("RUNTIME_SUBDIRECTORY", "ratelimit");
    env.put("RUNTIME_IGNOREDOTFILES", "true");
    env.put("USE_STATSD", "false");
    env.put("LOG_LEVEL", "debug");
    return env;
  }

  private static RateLimitResponse grpc(Running s, String user) {
    RateLimitServiceBlockingStub stub = GrpcClients.newClient(
        "http://127.0.0.1:" + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
    return stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("rl")
        .addDescriptors(GrpcServiceTest.descriptor("user", user)).build());
  }

  private static Map<String, String> headers(RateLimitResponse r) {
    return r.getResponseHeadersToAddList().stream()
        .collect(Collectors.toMap(HeaderValue::getKey, HeaderValue::getValue));
  }

  @Test
  void startsOnEnvoysPortsRulesAndRedisWithEnvoysHeaders() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start()) {
      Map<String, String> env = envoyEnv(runtime());
      env.put("REDIS_SOCKET_TYPE", "tcp");
      env.put("REDIS_TYPE", "SINGLE");
      env.put("REDIS_URL", "127.0.0.1:" + redis.node().port());
      env.put("LIMIT_RESPONSE_HEADERS_ENABLED", "true");
      env.put("LOCAL_CACHE_SIZE_IN_BYTES", "1048576");
      env.put("REDIS_POOL_SIZE", "10");
      ServerConfig config = ServerConfig.resolve(Map.of(), env, null);
      assertThat(config.envoyNoEffect()).containsExactly("RUNTIME_IGNOREDOTFILES",
          "REDIS_POOL_SIZE");
      assertThat(config.get(ServerConfig.LOG_LEVEL)).isEqualTo(ServerConfig.LogLevel.DEBUG);
      try (Running s = Running.start(dir, config)) {
        assertThat(s.server.httpPort()).isEqualTo(Integer.parseInt(env.get("PORT")));
        assertThat(s.server.grpcPort()).isEqualTo(Integer.parseInt(env.get("GRPC_PORT")));
        assertThat(s.server.adminPort()).isEqualTo(Integer.parseInt(env.get("DEBUG_PORT")));
        assertThat(config.backend()).isEqualTo("redis://127.0.0.1:" + redis.node().port());
        assertThat(config.get(ServerConfig.OVER_LIMIT_CACHE)).isEqualTo(1048576L);
        // the rules of RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/config, counted in Redis
        RateLimitResponse first = grpc(s, "a");
        assertThat(first.getOverallCode()).isEqualTo(Code.OK);
        assertThat(headers(first)).containsEntry("RateLimit-Limit", "2")
            .containsEntry("RateLimit-Remaining", "1").containsKey("RateLimit-Reset")
            .doesNotContainKey("X-RateLimit-Limit").doesNotContainKey("RateLimit-Policy");
        assertThat(s.post("/json", Running.envoy("rl", "user", "a")).statusCode())
            .isEqualTo(200);
        assertThat(grpc(s, "a").getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(s.post("/json", Running.envoy("rl", "user", "a")).statusCode())
            .isEqualTo(429);
        assertThat(String.valueOf(redis.node().call("DBSIZE"))).isNotEqualTo("0");
        // envoy counts descriptors each on its own
        assertThat(config.descriptorCounting())
            .isEqualTo(dev.sluice.enforcement.Enforcer.Counting.EACH);
      }
    }
  }

  @Test
  void shadowModeAndPrometheusOnItsAddress() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.remove("DEBUG_PORT");
    int prometheus = freePort();
    env.put("USE_PROMETHEUS", "true");
    env.put("PROMETHEUS_ADDR", "127.0.0.1:" + prometheus);
    env.put("SHADOW_MODE", "true");
    try (Running s = Running.start(dir, ServerConfig.resolve(Map.of(), env, null))) {
      assertThat(s.server.adminPort()).isEqualTo(prometheus);
      for (int i = 0; i < 2; i++) {
        grpc(s, "b");
      }
      RateLimitResponse r = grpc(s, "b");
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(s.metrics()).contains("sluice_global_shadow_mode_total{domain=\"rl\"} 1.0");
    }
  }

  @Test
  void redisUrlsOfEveryTypeBecomeSluiceUris() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.put("REDIS_SOCKET_TYPE", "tcp");
    env.put("REDIS_URL", "mymaster,10.0.0.1:26379,10.0.0.2:26379");
    env.put("REDIS_TYPE", "sentinel");
    env.put("REDIS_AUTH", "app:p@ss word");
    assertThat(ServerConfig.resolve(Map.of(), env, null).backend()).isEqualTo(
        "redis-sentinel://app:p%40ss%20word@10.0.0.1:26379,10.0.0.2:26379#mymaster");
    env.put("REDIS_URL", "10.0.0.1:6379,10.0.0.2:6379");
    env.put("REDIS_TYPE", "cluster");
    env.put("REDIS_AUTH", "secret");
    env.put("REDIS_TLS", "true");
    env.put("REDIS_TLS_SKIP_HOSTNAME_VERIFICATION", "true");
    assertThat(ServerConfig.resolve(Map.of(), env, null).backend()).isEqualTo(
        "rediss-cluster://secret@10.0.0.1:6379,10.0.0.2:6379?verifyPeer=ca");
  }

  @Test
  void sluiceSettingsWinOverEnvoysVariablesWhichWinOverTheFile() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.put("SLUICE_HTTP_PORT", "9100");
    env.put("NEAR_LIMIT_RATIO", "0.5");
    Path file = Files.writeString(dir.resolve("sluice.yaml"),
        "http-port: 9200\nnear-limit-ratio: 0.9\nheaders: both\n");
    ServerConfig c = ServerConfig.resolve(Map.of(), env, file);
    assertThat(c.httpPort()).isEqualTo(9100); // SLUICE_HTTP_PORT over PORT
    assertThat(c.get(ServerConfig.NEAR_LIMIT_RATIO)).isEqualTo(0.5); // envoy's over the file
    assertThat(c.headers()).hasToString("BOTH"); // the file over envoy's default
    assertThat(ServerConfig.resolve(Map.of("http-port", "9300"), env, file).httpPort())
        .isEqualTo(9300);
  }

  @Test
  void withoutEnvoyEnvTheVariablesAreNotRead() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.remove("SLUICE_ENVOY_ENV");
    env.put("BACKEND_TYPE", "memcache");
    env.put("TRACING_ENABLED", "t");
    ServerConfig c = ServerConfig.resolve(Map.of(), env, null);
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.bind()).isEqualTo("127.0.0.1");
    assertThat(c.rules()).isEqualTo(Path.of("config"));
    assertThat(c.tracing()).isFalse();
  }

  @Test
  void envoysTracingVariablesSetTracingWithEnvoysSpellingAndDefaults() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.put("TRACING_ENABLED", "t");
    env.put("TRACING_SAMPLING_RATE", "0.25");
    ServerConfig c = ServerConfig.resolve(Map.of(), env, null);
    assertThat(c.tracing()).isTrue();
    assertThat(c.tracingSamplingRate()).isEqualTo(0.25);
    assertThat(c.tracingServiceName()).isEqualTo("RateLimit");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "BACKEND_TYPE|memcache|only redis is supported",
      "MEMCACHE_HOST_PORT|10.0.0.1:11211|memcache is not supported",
      "USE_STATSD|true|statsd is not supported",
      "USE_DOG_STATSD|true|DogStatsD",
      "GRPC_UDS|/tmp/rl.sock|Unix domain sockets",
      "CONFIG_TYPE|GRPC_XDS_DELTA|expected file, grpc-xds-sotw or xds",
      "REDIS_PERSECOND|true|per-second",
      "CACHE_KEY_PREFIX|prod_|CACHE_KEY_PREFIX",
      "RESPONSE_DYNAMIC_METADATA|true|dynamic metadata",
      "TRACING_EXPORTER_PROTOCOL|grpc|OTLP/HTTP only",
      "GRPC_SERVER_USE_TLS|true|TLS on the gRPC port",
      "REDIS_URL|127.0.0.1:6379|REDIS_SOCKET_TYPE",
      "GRPC_HOST|10.1.1.1|GRPC_HOST",
      "SHADOW_MODE|yes|expected true or false"})
  void aVariableSluiceCannotHonourStopsTheStartNamingIt(String variable, String value,
      String message) throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.put(variable, value);
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), env, null))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessageContaining(variable)
        .hasMessageContaining(message);
  }

  @Test
  void aSecretIsNeverEchoed() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.put("REDIS_SENTINEL_AUTH", "hunter2");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), env, null))
        .hasMessageContaining("REDIS_SENTINEL_AUTH").hasMessageNotContaining("hunter2");
  }

  /** docs/envoy.md has one row per envoy variable, each in {@link EnvoyEnvironment#VARIABLES}. */
  @Test
  void theDocsListEveryVariable() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "envoy.md"));
    Matcher m = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\|").matcher(doc);
    List<String> rows = new java.util.ArrayList<>();
    while (m.find()) {
      rows.add(m.group(1));
    }
    assertThat(rows).containsExactlyElementsOf(EnvoyEnvironment.VARIABLES);
  }

  @Test
  void grpcXdsSotwTakesTheRulesFromTheManagementServerTheXdsVariablesName() throws Exception {
    Map<String, String> env = envoyEnv(runtime());
    env.put("CONFIG_TYPE", "GRPC_XDS_SOTW");
    env.put("CONFIG_GRPC_XDS_SERVER_URL", "xds.internal:18000");
    env.put("CONFIG_GRPC_XDS_NODE_ID", "rls-1");
    env.put("CONFIG_GRPC_XDS_SERVER_CONNECT_RETRY_INTERVAL", "3s");
    ServerConfig c = ServerConfig.resolve(Map.of(), env, null);
    assertThat(c.configSource()).isEqualTo(ServerConfig.ConfigSource.XDS);
    assertThat(c.get(ServerConfig.XDS_SERVER)).isEqualTo("xds.internal:18000");
    assertThat(c.get(ServerConfig.XDS_NODE_ID)).isEqualTo("rls-1");
    assertThat(c.get(ServerConfig.XDS_BACKOFF_INITIAL)).hasSeconds(10);
    assertThat(EnvoyEnvironment.read(env).noEffect())
        .contains("CONFIG_GRPC_XDS_SERVER_CONNECT_RETRY_INTERVAL")
        .doesNotContain("CONFIG_GRPC_XDS_SERVER_URL", "CONFIG_GRPC_XDS_NODE_ID");
  }
}
