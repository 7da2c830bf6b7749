package dev.sluice.examples.pizzashop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** What the shop promises, whichever backend holds the counters. */
abstract class PizzaShopTest {

  @LocalServerPort
  int port;

  private final HttpClient client = HttpClient.newHttpClient();

  HttpResponse<String> get(String path, String user) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (user != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder()
          .encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8)));
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theMenuIsUnlimited() throws Exception {
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().map()).doesNotContainKey("ratelimit");
    }
  }

  @Test
  void twoPizzasAMinutePerUser() throws Exception {
    String alice = "alice";
    HttpResponse<String> first = get("/pizza", alice);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("{\"order\":\"pizza\"}");
    assertThat(first.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"2/minute\";q=2;w=60, \"10/hour\";q=10;w=3600");
    assertThat(first.headers().firstValue("RateLimit")).hasValue("\"2/minute\";r=1;t=30");
    assertThat(get("/pizza", alice).statusCode()).isEqualTo(200);
    HttpResponse<String> third = get("/pizza", alice);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    assertThat(third.body()).contains("\"status\":429");

    // pasta is counted apart, and so is every other user
    assertThat(get("/pasta", alice).statusCode()).isEqualTo(200);
    assertThat(get("/pizza", "bob").statusCode()).isEqualTo(200);
  }

  @Test
  void threePastasAMinute() throws Exception {
    String carol = "carol";
    for (int i = 0; i < 3; i++) {
      assertThat(get("/pasta", carol).statusCode()).isEqualTo(200);
    }
    assertThat(get("/pasta", carol).statusCode()).isEqualTo(429);
  }

  @Test
  void ordersNeedCredentials() throws Exception {
    HttpResponse<String> r = get("/pizza", null);
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
  }
}
