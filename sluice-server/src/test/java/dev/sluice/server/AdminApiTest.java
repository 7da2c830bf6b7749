package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port on a real server: the admin API and {@code /metrics} only there (a decision port
 * answers 404), health on both, writes only with the bearer token (401 without detail, 403 when
 * none is configured), and every change in the audit list of {@code GET /v1/rules}.
 */
class AdminApiTest {

  @TempDir Path dir;

  private static final String RULES = ReloadAndAdminTest.rules(10);

  private static HttpRequest.Builder put(URI uri, String body) {
    return HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString(body));
  }

  @Test
  void theDecisionPortsServeNoAdminApiNorMetrics() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of())) {
      assertThat(s.server.adminPort()).isNotIn(s.server.httpPort(), s.server.grpcPort());
      // with the right token, still 404 on the decision port
      HttpResponse<String> write = s.send(put(s.uri("/v1/rules/api"), RULES)
          .header("authorization", "Bearer " + Running.TOKEN));
      assertThat(write.statusCode()).isEqualTo(404);
      assertThat(s.send(HttpRequest.newBuilder(s.uri("/v1/reload"))
          .POST(HttpRequest.BodyPublishers.noBody())
          .header("authorization", "Bearer " + Running.TOKEN)).statusCode()).isEqualTo(404);
      assertThat(s.get("/v1/rules").statusCode()).isEqualTo(404);
      assertThat(s.get("/v1/rules/api").statusCode()).isEqualTo(404);
      assertThat(s.get("/metrics").statusCode()).isEqualTo(404);
      // nor the benchmark's no-op baselines: __noop__ is an ordinary domain without rules
      assertThat(s.post("/noop", Running.envoy("api", "user", "a")).statusCode()).isEqualTo(404);
      RateLimitServiceBlockingStub stub = GrpcClients.newClient(
          "http://127.0.0.1:" + s.server.grpcPort() + "/", RateLimitServiceBlockingStub.class);
      assertThat(stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("__noop__")
          .addDescriptors(GrpcServiceTest.descriptor("user", "a")).build()).getStatusesCount())
          .isEqualTo(1);
      // health and readiness on both
      assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(s.adminGet("/healthz").statusCode()).isEqualTo(200);
      assertThat(s.adminGet("/readyz").statusCode()).isEqualTo(200);
      // and the admin port serves no decisions
      assertThat(s.send(HttpRequest.newBuilder(s.adminUri("/json"))
          .POST(HttpRequest.BodyPublishers.ofString(Running.envoy("api", "user", "a"))))
          .statusCode()).isEqualTo(404);
      assertThat(Files.readString(dir.resolve("api.yaml"))).isEqualTo(RULES);
    }
  }

  @Test
  void aMissingOrWrongTokenIs401WithoutDetailAndChangesNothing() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of())) {
      String changed = ReloadAndAdminTest.rules(1);
      List<String> wrong = List.of("", "Bearer", "Bearer ", "Bearer wrong-token-0123456789",
          "Basic " + Running.TOKEN, "Bearer " + Running.TOKEN + "x",
          "Bearer " + Running.TOKEN.substring(1));
      for (String authorization : wrong) {
        HttpRequest.Builder b = put(s.adminUri("/v1/rules/api"), changed);
        if (!authorization.isEmpty()) {
          b.header("authorization", authorization);
        }
        HttpResponse<String> r = s.send(b);
        assertThat(r.statusCode()).as(authorization).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer");
        assertThat(r.body()).isEqualTo("{\"error\":\"unauthorized\"}\n");
      }
      HttpResponse<String> reload = s.send(HttpRequest.newBuilder(s.adminUri("/v1/reload"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(reload.statusCode()).isEqualTo(401);
      assertThat(Files.readString(dir.resolve("api.yaml"))).isEqualTo(RULES);
      // refused attempts are not kept in the audit list
      assertThat(HttpApiTest.JSON.readTree(s.adminGet("/v1/rules").body()).path("audit"))
          .isEmpty();
      // the scheme's case does not matter
      HttpResponse<String> ok = s.send(put(s.adminUri("/v1/rules/api"), changed)
          .header("authorization", "bearer " + Running.TOKEN));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }
  }

  @Test
  void withoutATokenWritesAre403SayingHowToEnableThemAndReadsAreOpen() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of(), Map.of())) {
      HttpResponse<String> r = s.adminPut("/v1/rules/api", ReloadAndAdminTest.rules(1));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(HttpApiTest.JSON.readTree(r.body()).path("error").asText())
          .isEqualTo(AdminApi.WRITES_DISABLED)
          .contains("SLUICE_ADMIN_TOKEN", "admin-token-file", "Authorization: Bearer");
      assertThat(s.adminPost("/v1/reload", "").statusCode()).isEqualTo(403);
      assertThat(Files.readString(dir.resolve("api.yaml"))).isEqualTo(RULES);
      assertThat(s.adminGet("/v1/rules").statusCode()).isEqualTo(200);
      assertThat(s.adminGet("/v1/rules/api").body()).isEqualTo(RULES);
      assertThat(s.metrics()).contains("sluice_rules_reloads_total");
    }
  }

  @Test
  void everyChangeIsAuditedWithWhoWhatAndWhen() throws Exception {
    Files.writeString(dir.resolve("api.yaml"), RULES);
    Path tokenFile = dir.resolve("../admin-token").normalize();
    String token = "file-token-abcdefghijklmnop";
    Files.writeString(tokenFile, token + "\n");
    Map<String, String> cli = new LinkedHashMap<>(Map.of("http-port", "0", "grpc-port", "0",
        "admin-port", "0", "rules", dir.toString(), "admin-token-file", tokenFile.toString(),
        "reload-interval", "3600s"));
    Instant at = Instant.parse("2026-01-02T03:04:05Z");
    try (SluiceServer server = SluiceServer.start(ServerConfig.resolve(cli, Map.of(), null),
        SluiceServer.Extension.NONE, Clock.fixed(at, ZoneOffset.UTC))) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.adminPort();
      HttpResponse<String> ok = http.send(put(URI.create(base + "/v1/rules/api"),
          ReloadAndAdminTest.rules(4)).header("authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      HttpResponse<String> bad = http.send(put(URI.create(base + "/v1/rules/api"),
          "domain: [\n").header("authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(400);
      HttpResponse<String> reload = http.send(HttpRequest.newBuilder(
          URI.create(base + "/v1/reload")).POST(HttpRequest.BodyPublishers.noBody())
          .header("authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(reload.statusCode()).isEqualTo(200);

      JsonNode audit = HttpApiTest.JSON.readTree(http.send(HttpRequest.newBuilder(
          URI.create(base + "/v1/rules")).build(), HttpResponse.BodyHandlers.ofString()).body())
          .path("audit");
      assertThat(audit).hasSize(3);
      String fingerprint = "sha256:" + java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(
              token.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 4);
      for (JsonNode e : audit) {
        assertThat(e.path("at").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(e.path("remote").asText()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(e.path("token").asText()).isEqualTo(fingerprint);
        assertThat(e.toString()).doesNotContain(token);
      }
      assertThat(audit.get(0).path("action").asText()).isEqualTo("PUT /v1/rules/api");
      assertThat(audit.get(0).path("status").asInt()).isEqualTo(200);
      assertThat(audit.get(0).path("result").asText()).isEqualTo("written and reloaded: "
          + dir.resolve("api.yaml") + " (" + ReloadAndAdminTest.rules(4).length() + " bytes)");
      assertThat(audit.get(1).path("status").asInt()).isEqualTo(400);
      assertThat(audit.get(1).path("result").asText()).startsWith("invalid rules (1 error(s)");
      assertThat(audit.get(2).path("action").asText()).isEqualTo("POST /v1/reload");
      assertThat(audit.get(2).path("result").asText()).isEqualTo("reloaded: 1 domain(s)");
    }
  }

  @Test
  void anAdminTokenThatCannotBeUsedStopsTheStart() throws Exception {
    Path missing = dir.resolve("missing-token");
    ServerConfig noFile = ServerConfig.resolve(Map.of("http-port", "0", "grpc-port", "0",
        "admin-port", "0", "admin-token-file", missing.toString()), Map.of(), null);
    assertThatThrownBy(() -> SluiceServer.start(noFile))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("cannot read admin-token-file " + missing + ": no such file");
    Path shortToken = dir.resolve("short");
    Files.writeString(shortToken, "secret\n");
    ServerConfig tooShort = ServerConfig.resolve(Map.of("http-port", "0", "grpc-port", "0",
        "admin-port", "0", "admin-token-file", shortToken.toString()), Map.of(), null);
    assertThatThrownBy(() -> SluiceServer.start(tooShort))
        .hasMessageStartingWith("admin-token-file " + shortToken + ": the admin token has 6"
            + " characters; use at least 16");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("admin-token-file",
        shortToken.toString()), Map.of(ServerConfig.ADMIN_TOKEN_ENV, Running.TOKEN), null))
        .hasMessage("invalid admin-token-file '" + shortToken + "' (from --admin-token-file):"
            + " give the admin token either in a file or in the environment variable"
            + " SLUICE_ADMIN_TOKEN, not both");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("admin-port", "8080"), Map.of(), null))
        .hasMessage("invalid admin-port '8080' (from --admin-port): the admin port must differ"
            + " from http-port and grpc-port (the admin API and /metrics are never served on a"
            + " decision port)");
    assertThatThrownBy(() -> AdminToken.of("has spaces in the token", "environment X"))
        .hasMessage("environment X: the admin token must not contain spaces or control"
            + " characters (it is sent in an HTTP header)");
  }

  @Test
  void theDefaultsBindTheAdminPortToLoopback() {
    ServerConfig c = ServerConfig.defaults();
    assertThat(c.adminBind()).isEqualTo("127.0.0.1");
    assertThat(c.adminPort()).isEqualTo(8082);
    assertThat(c.adminTokenFile()).isNull();
    assertThat(c.tlsCert()).isNull();
    assertThat(c.logFormat()).isEqualTo(ServerConfig.LogFormat.TEXT);
  }
}
