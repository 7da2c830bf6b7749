package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.micrometer.SluiceMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The starter with Actuator and Prometheus, in a real embedded Tomcat on a random port: decisions
 * show in {@code /actuator/prometheus}, scraped over a real socket.
 */
@AutoConfigureObservability(tracing = false)   // tests export no metrics unless asked
@SpringBootTest(classes = TestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "sluice.limits=2/minute",
        "sluice.url-patterns=/hello",               // scraping is not rate limited
        "management.endpoints.web.exposure.include=prometheus",
    })
class SluiceMetricsStarterTest {

  private static final String EXPENSIVE = TestApp.Greetings.class.getName() + "#expensive";

  @LocalServerPort
  int port;

  @Autowired
  SluiceMetrics metrics;

  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void decisionsAndTheStoreShowInThePrometheusScrape() throws Exception {
    assertThat(get("/hello").statusCode()).isEqualTo(200);
    assertThat(get("/hello").statusCode()).isEqualTo(200);
    assertThat(get("/hello").statusCode()).isEqualTo(429);
    assertThat(get("/expensive").statusCode()).isEqualTo(200);
    assertThat(get("/expensive").statusCode()).isEqualTo(429);

    HttpResponse<String> scrape = get("/actuator/prometheus");
    assertThat(scrape.statusCode()).isEqualTo(200);
    List<String> lines = Arrays.asList(scrape.body().split("\n"));
    assertThat(lines).contains(
        "sluice_decisions_total{limit=\"2/minute\",limiter=\"filter\",outcome=\"allowed\"} 2.0",
        "sluice_decisions_total{limit=\"2/minute\",limiter=\"filter\",outcome=\"denied\"} 1.0",
        "sluice_decisions_total{limit=\"1/minute\",limiter=\"" + EXPENSIVE
            + "\",outcome=\"allowed\"} 1.0",
        "sluice_decisions_total{limit=\"1/minute\",limiter=\"" + EXPENSIVE
            + "\",outcome=\"denied\"} 1.0",
        "sluice_store_keys{store=\"memory\"} 2.0",
        "sluice_store_capacity{store=\"memory\"} 1000000.0",
        "sluice_store_full_refusals_total{store=\"memory\"} 0.0");
    assertThat(lines).noneMatch(l -> l.startsWith("sluice_degraded_total"));
  }
}
