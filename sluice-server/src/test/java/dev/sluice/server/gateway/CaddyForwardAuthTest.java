package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.Running;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Caddy ({@code /usr/bin/caddy}, Debian's package) with {@code forward_auth}, on the example's
 * {@code Caddyfile} as shipped: its addresses come from the environment variables it names.
 */
class CaddyForwardAuthTest extends GatewayContract {

  @Override
  GatewayProcess startGateway(Path dir, int port, String sluice, String app) throws Exception {
    Path caddy = GatewayProcess.binary("/usr/bin/caddy", "caddy");
    String file = example("Caddyfile");
    for (String v : List.of("http://:{$FRONTDOOR_PORT:8091}", "bind 127.0.0.1",
        "{$FRONTDOOR_SLUICE:127.0.0.1:8080}", "{$FRONTDOOR_APP:127.0.0.1:8000}")) {
      assertThat(file).as("the Caddyfile's addresses").contains(v);
    }
    Path config = EXAMPLE.resolve("Caddyfile");
    // HOME and the XDG directories: where Caddy keeps its state, inside the test's directory
    Files.createDirectories(dir.resolve("home"));
    return GatewayProcess.start("caddy", dir, List.of(caddy.toString(), "run", "--config",
        config.toString(), "--adapter", "caddyfile"), Map.of(
            "FRONTDOOR_PORT", String.valueOf(port), "FRONTDOOR_SLUICE", sluice,
            "FRONTDOOR_APP", app, "HOME", dir.resolve("home").toString(),
            "XDG_CONFIG_HOME", dir.resolve("home/config").toString(),
            "XDG_DATA_HOME", dir.resolve("home/data").toString()), port);
  }

  @Override
  void refusalBody(HttpResponse<String> refused) {
    // forward_auth copies Sluice's refusal to the client as it is
    try {
      JsonNode body = new ObjectMapper().readTree(refused.body());
      assertThat(body.path("code").asText()).isEqualTo("OVER_LIMIT");
      assertThat(body.path("retryAfterSeconds").asText())
          .isEqualTo(header(refused, "Retry-After"));
    } catch (Exception e) {
      throw new AssertionError("not Sluice's JSON: " + refused.body(), e);
    }
  }

  @Test
  void loginsAreLimitedPerConnectingClientWhateverItForwards() throws Exception {
    Running.clearOfAMinuteBoundary();
    // Caddy replaces a client's X-Forwarded-For with the address of the connection (this test's,
    // 127.0.0.1): a client cannot pick its counter
    assertThat(logins(3)).containsExactly(200, 200, 200);
    assertThat(logins(2, "X-Forwarded-For", "203.0.113.9")).containsExactly(429, 429);
    assertThat(app.requests(q -> q.path().equals("/login"))).hasSize(3);
    HttpResponse<String> get = send(request("/login"));
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(header(get, "X-RateLimit-Limit")).isEqualTo("50");
  }
}
