package dev.sluice.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway example as shipped: {@code sluice serve} on this example's {@code config/} (started
 * in process on free ports), asked over envoy's RLS v3 gRPC API and {@code /json} with the
 * descriptors {@code envoy.yaml}'s actions produce; and {@code envoy.yaml} itself, checked
 * structurally (Envoy is not installed here): its rate limit filter names this domain and reaches
 * Sluice's gRPC port, and every descriptor its actions produce has a rule.
 */
class GatewayTest {

  static final Path CONFIG = Path.of("config");
  static final Path ENVOY = Path.of("envoy.yaml");

  static SluiceServer server;
  static RateLimitServiceBlockingStub stub;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    server = SluiceServer.start(ServerConfig.resolve(Map.of("http-port", "0", "grpc-port", "0",
        "admin-port", "0", "rules", CONFIG.toString()), Map.of(), null));
    assertThat(server.ready()).as("the rules in config/ load").isTrue();
    stub = GrpcClients.newClient("http://127.0.0.1:" + server.grpcPort() + "/",
        RateLimitServiceBlockingStub.class);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static RateLimitDescriptor descriptor(String... keysAndValues) {
    RateLimitDescriptor.Builder b = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      b.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(keysAndValues[i])
          .setValue(keysAndValues[i + 1]));
    }
    return b.build();
  }

  static RateLimitResponse ask(int hits, RateLimitDescriptor... descriptors) {
    RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain("gateway")
        .setHitsAddend(hits);
    for (RateLimitDescriptor d : descriptors) {
      b.addDescriptors(d);
    }
    return stub.shouldRateLimit(b.build());
  }

  /**
   * Fixed windows are aligned to the epoch: a sequence that counts against a per-minute limit
   * starts at least 10 s before the minute ends, so it never straddles two windows.
   */
  static void awaitTenSecondsOfTheMinute() throws InterruptedException {
    long intoMinute = System.currentTimeMillis() % 60_000;
    if (intoMinute > 50_000) {
      Thread.sleep(60_000 - intoMinute + 50);
    }
  }

  @Test
  void everyClientAddressHas50PerSecond() {
    RateLimitResponse full = ask(50, descriptor("remote_address", "10.0.0.1"));
    assertThat(full.getOverallCode()).isEqualTo(Code.OK);
    assertThat(full.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(50);
    assertThat(full.getStatuses(0).getCurrentLimit().getUnit()).isEqualTo(Unit.SECOND);
    assertThat(full.getStatuses(0).getLimitRemaining()).isZero();
    // one request worth 51 hits is over the limit in any window
    assertThat(ask(51, descriptor("remote_address", "10.0.0.2")).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void fiveLoginsPerMinutePerAddress() throws InterruptedException {
    awaitTenSecondsOfTheMinute();
    // what envoy sends for POST /login: the virtual host's descriptor and the route's
    RateLimitDescriptor address = descriptor("remote_address", "10.1.0.1");
    RateLimitDescriptor login = descriptor("remote_address", "10.1.0.1", "generic_key", "login");
    for (int i = 0; i < 5; i++) {
      RateLimitResponse r = ask(1, address, login);
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(1).getCurrentLimit().getRequestsPerUnit()).isEqualTo(5);
      assertThat(r.getStatuses(1).getCurrentLimit().getUnit()).isEqualTo(Unit.MINUTE);
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(4 - i);
    }
    RateLimitResponse sixth = ask(1, address, login);
    assertThat(sixth.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(sixth.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(sixth.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(sixth.getStatuses(1).getDurationUntilReset().getSeconds()).isBetween(1L, 60L);
    // another address has its own logins
    assertThat(ask(1, descriptor("remote_address", "10.1.0.2", "generic_key", "login"))
        .getOverallCode()).isEqualTo(Code.OK);
  }

  @Test
  void eachApiKeyHasItsOwnQuotaAndThePartnerAHigherOne() throws InterruptedException {
    awaitTenSecondsOfTheMinute();
    RateLimitDescriptor alice = descriptor("generic_key", "api", "api_key", "k-alice");
    RateLimitResponse all = ask(60, alice);
    assertThat(all.getOverallCode()).isEqualTo(Code.OK);
    assertThat(all.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(60);
    assertThat(all.getStatuses(0).getLimitRemaining()).isZero();
    assertThat(ask(1, alice).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(ask(1, descriptor("generic_key", "api", "api_key", "k-bob")).getOverallCode())
        .isEqualTo(Code.OK);

    RateLimitResponse partner = ask(600, descriptor("generic_key", "api", "api_key",
        "partner-7f3a"));
    assertThat(partner.getOverallCode()).isEqualTo(Code.OK);
    assertThat(partner.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(600);
  }

  @Test
  void searchIsInShadowModeCountedButNeverDenied() throws Exception {
    RateLimitDescriptor search = descriptor("generic_key", "search", "remote_address",
        "10.2.0.1");
    for (int i = 0; i < 3; i++) {
      // 5 hits against 2 per second: over, but only reported
      RateLimitResponse r = ask(5, search);
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
    }
    assertThat(metrics()).contains("sluice_decisions_total{"
        + "descriptor=\"gateway.generic_key_search.remote_address\",domain=\"gateway\","
        + "outcome=\"shadow_over_limit\"} 3.0");
  }

  @Test
  void healthChecksAreUnlimitedAndUnknownDescriptorsUnmatched() {
    for (int i = 0; i < 3; i++) {
      RateLimitResponse r = ask(1000, descriptor("generic_key", "health"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(Integer.toUnsignedLong(r.getStatuses(0).getLimitRemaining()))
          .isEqualTo(4294967295L);
    }
    RateLimitResponse other = ask(1000, descriptor("generic_key", "reports"));
    assertThat(other.getOverallCode()).isEqualTo(Code.OK);
    assertThat(other.getStatuses(0).hasCurrentLimit()).isFalse();
  }

  @Test
  void theSameDecisionsOverEnvoysJsonApi() throws Exception {
    awaitTenSecondsOfTheMinute();
    String body = "{\"domain\":\"gateway\",\"descriptors\":[{\"entries\":["
        + "{\"key\":\"remote_address\",\"value\":\"10.3.0.1\"},"
        + "{\"key\":\"generic_key\",\"value\":\"login\"}]}]}";
    List<Integer> codes = new ArrayList<>();
    HttpResponse<String> last = null;
    for (int i = 0; i < 6; i++) {
      last = HTTP.send(HttpRequest.newBuilder(uri("/json"))
              .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10))
              .build(), HttpResponse.BodyHandlers.ofString());
      codes.add(last.statusCode());
    }
    assertThat(codes).containsExactly(200, 200, 200, 200, 200, 429);
    assertThat(last.body()).startsWith("{\"overallCode\":\"OVER_LIMIT\",\"statuses\":[{\"code\":"
        + "\"OVER_LIMIT\",\"currentLimit\":{\"requestsPerUnit\":5,\"unit\":\"MINUTE\"}");
  }

  @Test
  void envoyYamlSendsThisDomainToSluicesGrpcPort() throws Exception {
    JsonNode envoy = new YAMLMapper().readTree(ENVOY.toFile());
    JsonNode hcm = envoy.at("/static_resources/listeners/0/filter_chains/0/filters/0");
    assertThat(hcm.path("name").asText())
        .isEqualTo("envoy.filters.network.http_connection_manager");
    JsonNode filters = hcm.at("/typed_config/http_filters");
    JsonNode ratelimit = filters.get(0);
    assertThat(ratelimit.path("name").asText()).isEqualTo("envoy.filters.http.ratelimit");
    JsonNode rl = ratelimit.path("typed_config");
    assertThat(rl.path("@type").asText()).isEqualTo(
        "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit");
    RuleSet rules = RuleLoader.fromEnvironment(Map.of()).load(CONFIG);
    assertThat(rules.domain(rl.path("domain").asText())).as("the domain has rules").isPresent();
    assertThat(rl.at("/rate_limit_service/transport_api_version").asText()).isEqualTo("V3");
    String cluster = rl.at("/rate_limit_service/grpc_service/envoy_grpc/cluster_name").asText();
    assertThat(filters.get(filters.size() - 1).path("name").asText())
        .isEqualTo("envoy.filters.http.router");

    JsonNode sluice = null;
    for (JsonNode c : envoy.at("/static_resources/clusters")) {
      if (c.path("name").asText().equals(cluster)) {
        sluice = c;
      }
    }
    assertThat(sluice).as("cluster " + cluster).isNotNull();
    assertThat(sluice.at("/typed_extension_protocol_options/"
        + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions/explicit_http_config")
        .has("http2_protocol_options")).as("gRPC needs HTTP/2").isTrue();
    JsonNode address = sluice.at("/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address"
        + "/socket_address");
    assertThat(address.path("port_value").asInt())
        .isEqualTo(ServerConfig.defaults().grpcPort());
    assertThat(address.path("address").asText()).isEqualTo(ServerConfig.defaults().bind());

    // every descriptor the actions produce (sample values for request data) has a limit rule
    JsonNode vhost = hcm.at("/typed_config/route_config/virtual_hosts/0");
    List<JsonNode> rateLimits = new ArrayList<>();
    vhost.path("rate_limits").forEach(rateLimits::add);
    for (JsonNode route : vhost.path("routes")) {
      route.at("/route/rate_limits").forEach(rateLimits::add);
    }
    assertThat(rateLimits).hasSize(5);
    for (JsonNode rateLimit : rateLimits) {
      Descriptor d = descriptorOf(rateLimit.path("actions"));
      Optional<RuleMatch> m = rules.match("gateway", d);
      assertThat(m).as("a rule for " + d).isPresent();
      assertThat(m.get().unlimited() || !m.get().limits().isEmpty()).as(d.toString()).isTrue();
    }
  }

  /** The descriptor envoy builds from route actions, with sample request values. */
  static Descriptor descriptorOf(JsonNode actions) {
    List<String> kv = new ArrayList<>();
    for (JsonNode action : actions) {
      if (action.has("remote_address")) {
        kv.add("remote_address");
        kv.add("192.0.2.10");
      } else if (action.has("generic_key")) {
        JsonNode g = action.path("generic_key");
        kv.add(g.path("descriptor_key").asText("generic_key"));
        kv.add(g.path("descriptor_value").asText());
      } else if (action.has("request_headers")) {
        kv.add(action.at("/request_headers/descriptor_key").asText());
        kv.add("sample-header-value");
      } else {
        throw new AssertionError("an action this test does not know: " + action);
      }
    }
    return Descriptor.of(kv.toArray(String[]::new));
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + path);
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** {@code GET /metrics}, on the admin port. */
  static String metrics() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
