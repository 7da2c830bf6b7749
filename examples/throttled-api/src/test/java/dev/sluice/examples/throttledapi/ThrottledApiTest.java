package dev.sluice.examples.throttledapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The example as it runs, over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ThrottledApiTest {

  private static final String LIMIT_BODY = "{\"detail\": \"You've reached the limit!\"}";

  @LocalServerPort
  int port;

  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path, String user) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-User-Id", user).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void fiveRequestsPerUserThenTheSeedsAnswer() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = get("/", "alice");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("{\"message\":\"Hello User, you have access!\"}");
      assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(
          Integer.toString(4 - i));
    }
    HttpResponse<String> denied = get("/", "alice");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).isEqualTo(LIMIT_BODY);
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(get("/", "bob").statusCode()).isEqualTo(200);
  }

  @Test
  void routesCostDifferentAmounts() throws Exception {
    HttpResponse<String> search = get("/search?q=a", "carol");
    assertThat(search.statusCode()).isEqualTo(200);
    assertThat(search.body()).isEqualTo("{\"query\":\"a\",\"results\":[]}");
    assertThat(search.headers().firstValue("X-RateLimit-Remaining")).hasValue("3");
    assertThat(get("/search?q=b", "carol").headers().firstValue("X-RateLimit-Remaining"))
        .hasValue("1");
    assertThat(get("/search?q=c", "carol").statusCode()).isEqualTo(429);
    assertThat(get("/", "carol").statusCode()).isEqualTo(200);

    assertThat(get("/report", "dave").statusCode()).isEqualTo(200);
    HttpResponse<String> denied = get("/report", "dave");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).hasValueSatisfying(
        s -> assertThat(Long.parseLong(s)).isBetween(9L, 10L));
  }
}
