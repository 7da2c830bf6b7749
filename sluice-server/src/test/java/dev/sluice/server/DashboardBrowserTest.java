package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: a real service under traffic, its page opened in headless
 * Chromium, and assertions on what the page rendered: the domains of the rules, non-zero allowed
 * and refused series, the client the test made hot, a hostile client shown escaped and cut, no
 * script error; then thousands of rules.
 */
class DashboardBrowserTest {

  private static final String API = """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 5}
        - key: tenant
          shadow_mode: true
          rate_limit: {unit: minute, requests_per_unit: 1}
      """;
  private static final String SEARCH = """
      domain: search
      descriptors:
        - key: query
          rate_limit: {unit: minute, requests_per_unit: 100000}
      """;
  private static final String HOSTILE = "<img src=x onerror=alert(1)>" + "x".repeat(400);

  @TempDir Path dir;
  @TempDir Path browser;

  /** Sends envoy /json requests until stopped: a hot client, a hostile one, and others. */
  private static final class Traffic implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;

    Traffic(Running s) {
      HttpClient http = HttpClient.newHttpClient();
      thread = new Thread(() -> {
        int i = 0;
        while (running.get()) {
          String body = switch (i % 5) {
            case 0, 1 -> Running.envoy("api", "user", "mallory");
            case 2 -> Running.envoy("api", "user", HOSTILE);
            case 3 -> Running.envoy("api", "tenant", "t" + (i % 3));
            default -> Running.envoy("search", "query", "q" + i);
          };
          i++;
          try {
            http.send(HttpRequest.newBuilder(s.uri("/json"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding());
            sent.incrementAndGet();
            Thread.sleep(5);
          } catch (Exception e) {
            return;
          }
        }
      }, "dashboard-traffic");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  private static double attribute(String dom, String name) {
    Matcher m = Pattern.compile(name + "=\"([0-9.e+-]+)\"").matcher(dom);
    assertThat(m.find()).as("the page has %s", name).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void theDashboardShowsRulesRatesAndTheHotClientUnderLoad() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", API, "search.yaml", SEARCH),
            Map.of());
        Traffic traffic = new Traffic(s)) {
      while (traffic.sent.get() < 100) {
        Thread.sleep(50);
      }
      URI page = s.adminUri("/dashboard/");
      HeadlessChromium.Page loaded = HeadlessChromium.dumpDom(page, browser,
          Duration.ofSeconds(8));
      String dom = loaded.dom();
      assertThat(loaded.console()).as("console of the page").isEmpty();
      assertThat(dom).contains("<td>api</td>").contains("<td>search</td>")
          .contains("<td>user</td>").contains("<td>tenant (shadow)</td>");
      assertThat(attribute(dom, "data-polls")).isGreaterThanOrEqualTo(3);
      assertThat(attribute(dom, "data-max-allowed")).isPositive();
      assertThat(attribute(dom, "data-max-refused")).isPositive();
      assertThat(attribute(dom, "data-max-shadow")).isPositive();
      // the hot client, in the top limited clients
      assertThat(dom).contains(">user=mallory</td>");
      // the hostile one: escaped, cut, never an element
      assertThat(dom).contains(">user=&lt;img src=x onerror=alert(1)&gt;xxx")
          .doesNotContain("<img src=\"x\"");
      Matcher cell = Pattern.compile(">(user=&lt;img[^<]*)</td>").matcher(dom);
      assertThat(cell.find()).isTrue();
      assertThat(cell.group(1).replace("&lt;", "<").replace("&gt;", ">")).endsWith("…")
          .hasSizeLessThanOrEqualTo(120);
      assertThat(dom).contains("<div id=\"errors\" role=\"alert\" hidden=\"\"></div>");
      String shot = System.getProperty("sluice.dashboard.screenshot");
      if (shot != null) {
        HeadlessChromium.screenshot(page, browser, Duration.ofSeconds(20), Path.of(shot));
      }
    }
  }

  @Test
  void thousandsOfRulesStayResponsive() throws Exception {
    StringBuilder big = new StringBuilder("domain: big\ndescriptors:\n");
    for (int i = 0; i < 3000; i++) {
      big.append("  - key: k\n    value: v").append(i)
          .append("\n    rate_limit: {unit: minute, requests_per_unit: 10}\n");
    }
    try (Running s = Running.start(dir, Map.of("big.yaml", big.toString(), "api.yaml", API),
        Map.of())) {
      for (int i = 0; i < 20; i++) {
        s.post("/json", Running.envoy("big", "k", "v" + (i % 4)));
      }
      long start = System.nanoTime();
      HeadlessChromium.Page loaded = HeadlessChromium.dumpDom(s.adminUri("/dashboard/"),
          browser, Duration.ofSeconds(6));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(loaded.console()).isEmpty();
      assertThat(loaded.dom()).contains("The 200 busiest of 3002 rules; filter to see others.")
          .contains("<td>big</td>").contains("<td>k_v0</td>");
      assertThat(attribute(loaded.dom(), "data-polls")).isGreaterThanOrEqualTo(3);
      Files.writeString(browser.resolve("load-millis.txt"), Long.toString(millis));
    }
  }
}
