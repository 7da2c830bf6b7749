package dev.sluice.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The example gateway as configured in application.yml, on a random port in front of a real
 * upstream; Sluice's memory store runs on a clock the test moves, so the bucket's refill is exact.
 */
class GatewayApplicationTest {

  /** The memory store on a manual clock (the application's backend otherwise). */
  @Configuration(proxyBeanMethods = false)
  static class ManualTime {
    static final ManualClock CLOCK = new ManualClock();

    @Bean
    Backend sluiceBackend() {
      return MemoryBackend.builder().clock(CLOCK).build();
    }
  }

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();
  private Upstream upstream;
  private ConfigurableApplicationContext gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = new Upstream();
    gateway = new SpringApplicationBuilder(GatewayApplication.class, ManualTime.class)
        .web(WebApplicationType.REACTIVE)
        .properties("server.port=0", "server.address=127.0.0.1", "UPSTREAM_URI=" + upstream.uri())
        .run();
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  private HttpResponse<String> get(String path, String clientId) throws Exception {
    String port = gateway.getEnvironment().getProperty("local.server.port");
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (clientId != null) {
      b.header(GatewayApplication.CLIENT_HEADER, clientId);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int allowed(String path, String clientId, int n) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get(path, clientId);
      assertThat(r.statusCode()).as("request %d of %s", i + 1, clientId).isIn(200, 429);
      if (r.statusCode() == 200) {
        assertThat(r.body()).isEqualTo("served " + path);
        ok++;
      } else {
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
      }
    }
    return ok;
  }

  @Test
  void theApiRouteIsATokenBucketPerClient() throws Exception {
    assertThat(allowed("/api/orders", "alice", 8)).isEqualTo(5);
    assertThat(allowed("/api/orders", "bob", 6)).isEqualTo(5);
    ManualTime.CLOCK.advance(Duration.ofSeconds(2));
    assertThat(allowed("/api/orders", "alice", 4)).isEqualTo(2);

    assertThat(upstream.calls("alice", "/api/orders")).isEqualTo(7);
    assertThat(upstream.calls("bob", "/api/orders")).isEqualTo(5);
  }

  @Test
  void theReportsRouteCountsApartWithBothHeaderStyles() throws Exception {
    allowed("/api/orders", "carol", 5);
    HttpResponse<String> first = get("/reports/daily", "carol");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    assertThat(first.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"3/minute\";q=3;w=60, \"20/hour\";q=20;w=3600");
    assertThat(allowed("/reports/daily", "carol", 4)).isEqualTo(2);
    HttpResponse<String> refused = get("/reports/daily", "carol");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("20");

    assertThat(upstream.calls("carol", "/reports/daily")).isEqualTo(3);
    assertThat(upstream.calls("carol", "/api/orders")).isEqualTo(5);
  }

  @Test
  void aRequestWithoutClientIdIsRefusedByTheGateway() throws Exception {
    assertThat(get("/api/orders", null).statusCode()).isEqualTo(403);
    assertThat(upstream.calls(null, "/api/orders")).isZero();
  }
}
