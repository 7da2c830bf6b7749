package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.starterapps.LoginApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exemptions, count-statuses and refusal-status from {@code sluice.*} properties in a real MVC
 * application on a random port, called over HTTP.
 */
class SluiceWhenToCountStarterTest {

  private RunningApp app;

  @BeforeEach
  void start() {
    app = RunningApp.servlet(LoginApp.class,
        "sluice.limits=3/minute",
        "sluice.count-statuses=400-499",
        "sluice.refusal-status=503",
        "sluice.exempt-paths=/health",
        "sluice.exempt-addresses=192.0.2.0/24");
  }

  @AfterEach
  void stop() {
    app.close();
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(app.uri(path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return app.send(b.build());
  }

  private List<Integer> statuses(int times, String method, String path, String... headers)
      throws Exception {
    List<Integer> got = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      got.add(send(method, path, headers).statusCode());
    }
    return got;
  }

  @Test
  void onlyFailedLoginsCountAndTheRefusalIs503() throws Exception {
    assertThat(statuses(5, "POST", "/login", "X-Password", "open sesame"))
        .containsOnly(200);
    assertThat(statuses(4, "POST", "/login", "X-Password", "guess"))
        .containsExactly(401, 401, 401, 503);
    HttpResponse<String> refused = send("POST", "/login", "X-Password", "open sesame");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.body()).contains("\"status\":503");
  }

  @Test
  void exemptPathsAndExemptionBeansAreNeverCounted() throws Exception {
    assertThat(statuses(6, "GET", "/health")).containsOnly(200);
    assertThat(send("GET", "/health").headers().firstValue("X-RateLimit-Limit")).isEmpty();
    // failed logins with the internal token: exempt, never counted
    assertThat(statuses(6, "POST", "/login", "X-Internal-Token", "s3cret")).containsOnly(401);
    assertThat(statuses(4, "POST", "/login", "X-Internal-Token", "guess"))
        .containsExactly(401, 401, 401, 503);
  }

  @Test
  void rateLimitedHandlersAreHeldAndSettledToo() throws Exception {
    assertThat(statuses(4, "POST", "/pin", "X-Pin", "1234")).containsOnly(200);
    assertThat(statuses(3, "POST", "/pin", "X-Pin", "0000")).containsExactly(403, 403, 503);
  }
}
