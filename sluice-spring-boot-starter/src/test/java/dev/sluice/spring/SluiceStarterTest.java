package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The starter in a real embedded Tomcat on a random port. */
@SpringBootTest(classes = TestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "sluice.limits=2/minute",
        "sluice.key=user",
        "sluice.headers=both",
        "sluice.trusted-proxies=10.0.0.0/8",
        "sluice.denial-body={\"detail\": \"You've reached the limit!\"}",
    })
class SluiceStarterTest {

  @LocalServerPort
  int port;

  @Autowired
  RateLimiter limiter;

  @Autowired
  Backend backend;

  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path, String user) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (user != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder()
          .encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8)));
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theBeansComeFromTheProperties() {
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
