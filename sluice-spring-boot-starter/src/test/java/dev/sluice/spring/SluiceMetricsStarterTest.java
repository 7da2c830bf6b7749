package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The starter with Actuator and Prometheus, in a real embedded Tomcat on a random port: decisions
 * show in {@code /actuator/prometheus}, scraped over a real socket.
 */
class SluiceMetricsStarterTest {

  private static final String EXPENSIVE = TestApp.Greetings.class.getName() + "#expensive";

  @Test
  void decisionsAndTheStoreShowInThePrometheusScrape() throws Exception {
    try (RunningApp app = RunningApp.servlet(TestApp.class,
        "sluice.limits=2/minute",
        "sluice.url-patterns=/hello",               // scraping is not rate limited
        "management.endpoints.web.exposure.include=prometheus")) {
      assertScrape(app);
    }
  }

  private static void assertScrape(RunningApp app) throws Exception {
    assertThat(app.get("/hello").statusCode()).isEqualTo(200);
    assertThat(app.get("/hello").statusCode()).isEqualTo(200);
    assertThat(app.get("/hello").statusCode()).isEqualTo(429);
    assertThat(app.get("/expensive").statusCode()).isEqualTo(200);
    assertThat(app.get("/expensive").statusCode()).isEqualTo(429);

    HttpResponse<String> scrape = app.get("/actuator/prometheus");
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
