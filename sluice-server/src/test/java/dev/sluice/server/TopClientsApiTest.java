package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/top} and the dashboard's files and data over real sockets. */
class TopClientsApiTest {

  private static final String RULES = """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 5}
        - key: plan
          value: free
          descriptors:
            - key: user
              rate_limit: {unit: hour, requests_per_unit: 100}
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void countsTheRefusedAndActiveClientsOfARuleExactly() throws Exception {
    Running.clearOfAMinuteBoundary();
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of())) {
      for (int i = 0; i < 30; i++) {
        s.post("/json", Running.envoy("api", "user", "mallory"));
      }
      for (int i = 0; i < 7; i++) {
        s.post("/json", Running.envoy("api", "user", "alice"));
        s.post("/json", Running.envoy("api", "plan", "free", "user", "bob"));
      }
      JsonNode refused = JSON.readTree(s.adminGet("/v1/top?domain=api&descriptor=user").body());
      assertThat(refused.get("kind").asText()).isEqualTo("refused");
      JsonNode table = refused.get("tables").get(0);
      assertThat(table.get("total").asLong()).isEqualTo(25 + 2);
      assertThat(table.get("rows").toString()).isEqualTo(
          "[{\"client\":\"user=mallory\",\"count\":25,\"error\":0},"
              + "{\"client\":\"user=alice\",\"count\":2,\"error\":0}]");
      JsonNode active = JSON.readTree(s.adminGet(
          "/v1/top?domain=api&kind=active&window=1m&limit=1").body());
      assertThat(active.get("tables")).hasSize(2);
      JsonNode users = active.get("tables").get(1);
      assertThat(users.get("descriptor").asText()).isEqualTo("user");
      assertThat(users.get("total").asLong()).isEqualTo(37);
      assertThat(users.get("rows")).hasSize(1);
      assertThat(users.get("rows").get(0).get("count").asLong()).isEqualTo(30);
      assertThat(active.get("tables").get(0).get("descriptor").asText())
          .isEqualTo("plan_free.user");
      assertThat(s.metrics()).contains("sluice_top_clients_tables 2.0")
          .contains("sluice_top_refused_client_requests 25.0");
    }
  }

  @Test
  void badQueriesAreAnsweredWithWhatIsWrong() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of())) {
      assertError(s.adminGet("/v1/top?domain=nope"), 404, "unknown domain 'nope'");
      assertError(s.adminGet("/v1/top?domain=api&descriptor=path"), 404,
          "unknown descriptor 'path' in domain 'api': its rules are [user, plan_free.user]");
      assertError(s.adminGet("/v1/top?descriptor=user"), 400, "descriptor needs domain");
      assertError(s.adminGet("/v1/top?kind=loud"), 400, "kind must be refused or active");
      assertError(s.adminGet("/v1/top?window=11m"), 400, "window must be a duration");
      assertError(s.adminGet("/v1/top?window=-1s"), 400, "window must be a duration");
      assertError(s.adminGet("/v1/top?limit=0"), 400, "limit must be a whole number");
      assertError(s.adminGet("/v1/top?limit=x"), 400, "limit must be a whole number");
      // a rule without traffic yet: no rows, not an error
      JsonNode empty = JSON.readTree(s.adminGet("/v1/top?domain=api&descriptor=user").body());
      assertThat(empty.get("tables").get(0).get("rows")).isEmpty();
    }
  }

  @Test
  void offItSaysSo() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of("top-clients", "0"))) {
      s.post("/json", Running.envoy("api", "user", "mallory"));
      assertError(s.adminGet("/v1/top"), 404, "the top clients are off");
    }
  }

  @Test
  void theDashboardsFilesAndDataAreServedFromTheJar() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of())) {
      s.post("/json", Running.envoy("api", "user", "carol"));
      HttpResponse<String> page = s.adminGet("/dashboard/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Sluice dashboard</title>")
          .doesNotContain("http://").doesNotContain("https://");
      assertThat(s.adminGet("/dashboard/vendor/uplot/uPlot.iife.min.js").statusCode())
          .isEqualTo(200);
      assertThat(s.adminGet("/dashboard/dashboard.js").statusCode()).isEqualTo(200);
      assertThat(s.adminGet("/dashboard/nothing.js").statusCode()).isEqualTo(404);
      JsonNode data = JSON.readTree(s.adminGet("/dashboard/data").body());
      assertThat(data.get("rulesLoaded").asBoolean()).isTrue();
      assertThat(data.get("domains").get(0).get("rules").toString())
          .contains("\"descriptor\":\"user\"").contains("\"limit\":\"5/minute");
      assertThat(data.get("decisions").toString()).contains("\"descriptor\":\"api.user\"")
          .contains("\"ok\":1");
      assertThat(data.get("backend").get("state").asText()).isEqualTo("up");
      assertThat(data.get("backend").get("circuit").asText()).isEqualTo("none (in-memory)");
      assertThat(data.get("tree").asText()).contains("user").contains("5/minute");
      assertThat(data.get("reloads").get(0).get("ok").asBoolean()).isTrue();
      // unchanged rules are not sent again
      String version = data.get("rulesVersion").asText();
      assertThat(JSON.readTree(s.adminGet("/dashboard/data?rules=" + version).body())
          .has("domains")).isFalse();
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String message)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(JSON.readTree(r.body()).get("error").asText()).contains(message);
  }
}
