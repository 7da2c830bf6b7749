package dev.sluice.examples.fixedwindow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The example over HTTP, with a small window so the test reaches the limit. */
class FixedWindowAppTest {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Nested
  @SpringBootTest(classes = FixedWindowApp.class,
      webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
      properties = "LIMIT=3 per 10 minutes")
  class WithHeaders {
    @LocalServerPort
    int port;

    @Test
    void threePerWindowPerRouteWithHeadersThenJsonWithTheRetryTime() throws Exception {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> ok = get(port, "/rate-limited");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"response\":\"This is a rate limited response\"}");
        assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
        assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(
            Integer.toString(2 - i));
      }
      HttpResponse<String> denied = get(port, "/rate-limited");
      assertThat(denied.statusCode()).isEqualTo(429);
      long retry = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
      long reset = Long.parseLong(denied.headers().firstValue("X-RateLimit-Reset").orElseThrow());
      assertThat(retry).isBetween(1L, 600L);
      assertThat(reset).isBetween(retry - 1, retry);
      assertThat(denied.body()).isEqualTo("{\"data\": \"You hit the rate limit\","
          + " \"error\": \"429\", \"retry_after\": " + retry + "}");

      // another route has its own window
      assertThat(get(port, "/also-limited").statusCode()).isEqualTo(200);
      // a forged X-Forwarded-For does not buy a new window: no proxy is trusted
      assertThat(get(port, "/rate-limited", "X-Forwarded-For", "203.0.113.5").statusCode())
          .isEqualTo(429);
    }
  }

  @Nested
  @SpringBootTest(classes = FixedWindowApp.class,
      webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
      properties = {"LIMIT=1 per 10 minutes", "SEND_X_HEADERS=none"})
  class WithoutHeaders {
    @LocalServerPort
    int port;

    @Test
    void noRateLimitHeadersAtAll() throws Exception {
      HttpResponse<String> ok = get(port, "/rate-limited");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().map()).doesNotContainKeys("x-ratelimit-limit",
          "x-ratelimit-remaining", "x-ratelimit-reset");
      HttpResponse<String> denied = get(port, "/rate-limited");
      assertThat(denied.statusCode()).isEqualTo(429);
      assertThat(denied.headers().map()).doesNotContainKeys("x-ratelimit-limit", "retry-after");
      assertThat(denied.body()).startsWith("{\"data\": \"You hit the rate limit\"");
    }
  }
}
