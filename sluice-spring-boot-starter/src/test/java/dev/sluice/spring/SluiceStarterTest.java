package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The starter in a real embedded Tomcat on a random port. */
class SluiceStarterTest {

  private static RunningApp app;

  @BeforeAll
  static void start() {
    app = RunningApp.servlet(TestApp.class,
        "sluice.limits=2/minute",
        "sluice.key=user",
        "sluice.headers=both",
        "sluice.trusted-proxies=10.0.0.0/8",
        "sluice.denial-body={\"detail\": \"You've reached the limit!\"}");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static HttpResponse<String> get(String path, String user) throws Exception {
    return app.get(path, "Authorization", "Basic " + Base64.getEncoder()
        .encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theBeansComeFromTheProperties() {
    RateLimiter limiter = app.bean(RateLimiter.class);
    Backend backend = app.bean(Backend.class);
    assertThat(limiter.limits()).extracting(l -> l.rateText()).containsExactly("2/minute");
    assertThat(backend).isInstanceOf(MemoryBackend.class);
  }

  @Test
  void limitsPerUserWithBothHeaderStylesAndTheConfiguredBody() throws Exception {
    HttpResponse<String> first = get("/hello", "carol");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("hello");
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
    assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"2/minute\";q=2;w=60");
    assertThat(get("/hello", "carol").statusCode()).isEqualTo(200);
    HttpResponse<String> denied = get("/hello", "carol");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).isEqualTo("{\"detail\": \"You've reached the limit!\"}");
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(get("/hello", "dave").statusCode()).isEqualTo(200);
  }

  @Test
  void rateLimitedControllerMethodsHaveTheirOwnLimit() throws Exception {
    HttpResponse<String> first = get("/expensive", "erin");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
    HttpResponse<String> second = get("/expensive", "frank");
    assertThat(second.statusCode()).isEqualTo(429);  // keyed by ip: same client address
    assertThat(second.body()).isEqualTo("{\"detail\": \"You've reached the limit!\"}");
  }
}
