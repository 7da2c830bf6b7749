package dev.sluice.server;

import static dev.sluice.server.ReloadAndAdminTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitConfig;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitPolicy;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitUnit;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules from an xDS management server (java-control-plane's, {@link XdsManagementServer}) over a
 * real socket: the first push makes the service ready and enforced, an update changes the
 * limits, a bad configuration is NACKed with its errors while the old rules stay, and after the
 * management server goes away the last good rules are enforced until a new one on the same port
 * sends new rules.
 */
class XdsConfigSourceTest {

  @TempDir Path unused;

  static RateLimitConfig config(String name, String domain, int perMinute) {
    return config(name, domain, RateLimitUnit.MINUTE, perMinute);
  }

  static RateLimitConfig config(String name, String domain, RateLimitUnit unit, int perUnit) {
    return RateLimitConfig.newBuilder().setName(name).setDomain(domain)
        .addDescriptors(RateLimitDescriptor.newBuilder().setKey("user")
            .setRateLimit(RateLimitPolicy.newBuilder().setUnit(unit)
                .setRequestsPerUnit(perUnit)))
        .build();
  }

  private static Running serve(Path dir, int xdsPort) throws Exception {
    return Running.start(dir, Map.of(), Map.of(
        "config-source", "xds",
        "xds-server", "127.0.0.1:" + xdsPort,
        "xds-node-id", "sluice-test",
        "xds-node-metadata", "zone=a,team=edge",
        "xds-backoff-initial", "50ms",
        "xds-backoff-max", "300ms"));
  }

  private static JsonNode readyz(Running s) throws Exception {
    return HttpApiTest.JSON.readTree(s.get("/readyz").body());
  }

  private static @Nullable String appliedVersion(Running s) throws Exception {
    JsonNode v = readyz(s).path("rules").path("xdsVersion");
    return v.isMissingNode() ? null : v.asText();
  }

  private static int limitOf(Running s, String domain) throws Exception {
    return ReloadAndAdminTest.limitOf(s.post("/json", Running.envoy(domain, "user", "u")));
  }

  private static boolean ack(DiscoveryRequest r, String version) {
    return r.getVersionInfo().equals(version) && !r.getResponseNonce().isEmpty()
        && !r.hasErrorDetail();
  }

  @Test
  void pushUpdateNackAndRestartOfTheManagementServer() throws Exception {
    XdsManagementServer first = XdsManagementServer.start(0);
    int port = first.port();
    try (Running s = serve(unused, port)) {
      // Connected, nothing pushed yet: not ready, every request passes uncounted.
      await("the first request", () -> !first.requests().isEmpty());
      DiscoveryRequest hello = first.requests().get(0);
      assertThat(hello.getTypeUrl())
          .isEqualTo("type.googleapis.com/ratelimit.config.ratelimit.v3.RateLimitConfig");
      assertThat(hello.getNode().getId()).isEqualTo("sluice-test");
      assertThat(hello.getNode().getMetadata().getFieldsMap()).containsOnlyKeys("zone", "team");
      assertThat(hello.getNode().getMetadata().getFieldsOrThrow("zone").getStringValue())
          .isEqualTo("a");
      assertThat(hello.getVersionInfo()).isEmpty();
      assertThat(hello.getResourceNamesList()).isEmpty();
      HttpResponse<String> notReady = s.get("/readyz");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(HttpApiTest.JSON.readTree(notReady.body()).path("rules").path("loaded")
          .asBoolean()).isFalse();

      // Push: ACKed, ready, enforced.
      Running.clearOfAMinuteBoundary();
      first.push("1", config("api-limits", "api", 3));
      await("the ACK of version 1", () -> first.request(r -> ack(r, "1")) != null);
      await("version 1 applied", () -> "1".equals(appliedVersion(s)));
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
      for (int i = 0; i < 3; i++) {
        assertThat(s.post("/json", Running.envoy("api", "user", "a")).statusCode())
            .isEqualTo(200);
      }
      HttpResponse<String> over = s.post("/json", Running.envoy("api", "user", "a"));
      assertThat(over.statusCode()).isEqualTo(429);
      assertThat(over.body()).contains("OVER_LIMIT");

      // Update: one resource per domain, both applied.
      first.push("2", config("api-limits", "api", 5), config("web-limits", "web", 9));
      await("version 2 applied", () -> "2".equals(appliedVersion(s)));
      await("the ACK of version 2", () -> first.request(r -> ack(r, "2")) != null);
      assertThat(limitOf(s, "api")).isEqualTo(5);
      assertThat(limitOf(s, "web")).isEqualTo(9);

      // Bad configuration: NACKed with the errors and the last good version, old rules kept.
      first.push("3", config("api-limits", "api", RateLimitUnit.UNKNOWN, 7),
          config("web-limits", "web", 9));
      await("the NACK of version 3", () -> first.request(DiscoveryRequest::hasErrorDetail)
          != null);
      DiscoveryRequest nack = first.request(DiscoveryRequest::hasErrorDetail);
      assertThat(nack.getVersionInfo()).isEqualTo("2");
      assertThat(nack.getErrorDetail().getCode()).isEqualTo(3);
      assertThat(nack.getErrorDetail().getMessage()).isEqualTo("RateLimitConfig api-limits:"
          + " api > user > rate_limit: invalid rate limit unit 'UNKNOWN'; use one of second,"
          + " minute, hour, day, week, month, year");
      JsonNode status = readyz(s).path("rules");
      assertThat(status.path("xdsVersion").asText()).isEqualTo("2");
      assertThat(status.path("lastReload").asText()).isEqualTo("failed");
      assertThat(status.path("lastErrors").get(0).path("file").asText())
          .isEqualTo("RateLimitConfig api-limits");
      assertThat(limitOf(s, "api")).isEqualTo(5);
      assertThat(s.metrics()).contains("sluice_xds_connected 1.0")
          .contains("sluice_rules_reloads_total{result=\"failed\"} 1.0");

      // Rules from xDS are not written through the admin API.
      HttpResponse<String> put = s.adminPut("/v1/rules/api",
          ReloadAndAdminTest.rules(100));
      assertThat(put.statusCode()).isEqualTo(409);
      assertThat(put.body()).contains("xDS management server");
      assertThat(s.adminGet("/v1/rules/api").body()).contains("domain: \"api\"")
          .contains("requests_per_unit: 5");

      // The management server goes away: the last good rules are still enforced.
      first.close();
      Thread.sleep(500);
      assertThat(limitOf(s, "api")).isEqualTo(5);
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(s.metrics()).contains("sluice_xds_connected 0.0");

      // A new one on the same port, with new rules: the service reconnects, asking with the
      // version it holds, and applies them.
      try (XdsManagementServer second = XdsManagementServer.start(port)) {
        second.push("4", config("api-limits", "api", 11));
        await("version 4 applied", () -> "4".equals(appliedVersion(s)));
        assertThat(second.requests().get(0).getVersionInfo()).isEqualTo("2");
        await("the ACK of version 4", () -> second.request(r -> ack(r, "4")) != null);
        assertThat(limitOf(s, "api")).isEqualTo(11);
        assertThat(s.metrics()).contains("sluice_xds_connected 1.0");
        assertThat(limitOf(s, "web")).isEqualTo(0);
      }
    } finally {
      first.close();
    }
  }

  @Test
  void overMutualTls(@TempDir Path pem) throws Exception {
    TestCertificates.Issued ca = TestCertificates.ca("xds test CA");
    TestCertificates.Issued server = TestCertificates.server(ca, "management server");
    TestCertificates.Issued client = TestCertificates.client(ca, "sluice");
    Files.writeString(pem.resolve("ca.pem"), TestCertificates.pem(ca.certificate()));
    client.write(pem.resolve("client.pem"), pem.resolve("client.key"));
    try (XdsManagementServer xds = XdsManagementServer.startTls(server, ca);
        Running s = Running.start(unused, Map.of(), Map.of(
            "config-source", "xds",
            "xds-server", "localhost:" + xds.port(),
            "xds-tls", "true",
            "xds-tls-ca", pem.resolve("ca.pem").toString(),
            "xds-tls-cert", pem.resolve("client.pem").toString(),
            "xds-tls-key", pem.resolve("client.key").toString()))) {
      xds.push("7", config("api-limits", "api", 4));
      await("version 7 applied over TLS", () -> "7".equals(appliedVersion(s)));
      assertThat(limitOf(s, "api")).isEqualTo(4);
    }
  }

  @Test
  void anUnusableTlsFileStopsTheStartNamingTheSettings(@TempDir Path pem) throws Exception {
    Files.writeString(pem.resolve("ca.pem"), "not a certificate");
    assertThatThrownBy(() -> Running.start(unused, Map.of(), Map.of(
        "config-source", "xds", "xds-tls", "true",
        "xds-tls-ca", pem.resolve("ca.pem").toString())))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessageContaining("xds-tls-ca " + pem.resolve("ca.pem"));
    assertThatThrownBy(() -> Running.start(unused, Map.of(), Map.of(
        "config-source", "xds", "xds-tls-ca", pem.resolve("ca.pem").toString())))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessageContaining("xds-tls-ca").hasMessageContaining("xds-tls: true");
  }
}
