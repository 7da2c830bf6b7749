package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.starterapps.LoginApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Exemptions, count-statuses and refusal-status from {@code sluice.*} properties in a real MVC
 * application on a random port, called over HTTP.
 */
class SluiceWhenToCountStarterTest {

  private ConfigurableApplicationContext context;
  private int port;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    context = new SpringApplicationBuilder(LoginApp.class)
        .web(WebApplicationType.SERVLET)
        .properties("server.port=0", "server.address=127.0.0.1",
            "sluice.limits=3/minute",
            "sluice.count-statuses=400-499",
            "sluice.refusal-status=503",
            "sluice.exempt-paths=/health",
            "sluice.exempt-addresses=192.0.2.0/24")
        .run();
    port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  @AfterEach
  void stop() {
    SpringApplication.exit(context);
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
