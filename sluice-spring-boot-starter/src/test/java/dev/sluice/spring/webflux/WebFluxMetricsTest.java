package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxapp.WebFluxTestApp;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Decisions of a WebFlux application in {@code /actuator/prometheus}, scraped over HTTP. */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxMetricsTest {

  private static final String EXPENSIVE = WebFluxTestApp.class.getName()
      + "$Greetings#expensive";

  @Test
  void decisionsAndTheStoreShowInThePrometheusScrape() throws Exception {
    try (RunningApp app = RunningApp.start(WebFluxTestApp.class,
        "sluice.limits=2/minute",
        "sluice.key=header:X-User",
        "management.endpoints.web.exposure.include=prometheus")) {
      assertThat(app.get("/hello", "X-User", "ann").statusCode()).isEqualTo(200);
      assertThat(app.get("/hello", "X-User", "ann").statusCode()).isEqualTo(200);
      assertThat(app.get("/hello", "X-User", "ann").statusCode()).isEqualTo(429);
      assertThat(app.get("/expensive", "X-User", "bob").statusCode()).isEqualTo(200);
      assertThat(app.get("/expensive", "X-User", "cid").statusCode()).isEqualTo(429);

      // the scrape itself is counted under the client address: one request
      HttpResponse<String> scrape = app.get("/actuator/prometheus");
      assertThat(scrape.statusCode()).isEqualTo(200);
      List<String> lines = Arrays.asList(scrape.body().split("\n"));
      assertThat(lines).contains(
          "sluice_decisions_total{limit=\"2/minute\",limiter=\"filter\",outcome=\"allowed\"} 5.0",
          "sluice_decisions_total{limit=\"2/minute\",limiter=\"filter\",outcome=\"denied\"} 1.0",
          "sluice_decisions_total{limit=\"1/minute\",limiter=\"" + EXPENSIVE
              + "\",outcome=\"allowed\"} 1.0",
          "sluice_decisions_total{limit=\"1/minute\",limiter=\"" + EXPENSIVE
              + "\",outcome=\"denied\"} 1.0",
          "sluice_store_capacity{store=\"memory\"} 1000000.0");
    }
  }
}
