package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxapp.WebFluxTestApp;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The starter in a real WebFlux application on Reactor Netty, memory backend: plain limits per
 * key, counted exactly, with the servlet filter's headers and bodies; the client address through
 * trusted proxies. BlockHound watches every request.
 */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxLimitsTest {

  static RunningApp app;

  @BeforeAll
  static void start() {
    app = RunningApp.start(WebFluxTestApp.class,
        "sluice.limits=3/minute",
        "sluice.key=header:X-User",
        "sluice.headers=both",
        "sluice.trusted-proxies=127.0.0.1",
        "sluice.denial-body={\"detail\": \"You've reached the limit!\", \"retry\": {retryAfter}}");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void countsEachKeyExactly() throws Exception {
    for (String user : List.of("ann", "bob", "cid")) {
      int allowed = 0;
      int refused = 0;
      for (int i = 0; i < 7; i++) {
        int status = app.get("/hello", "X-User", user).statusCode();
        if (status == 200) {
          allowed++;
        } else if (status == 429) {
          refused++;
        }
      }
      assertThat(allowed).as(user + " allowed").isEqualTo(3);
      assertThat(refused).as(user + " refused").isEqualTo(4);
    }
  }

  @Test
  void concurrentRequestsOfOneKeyGetExactlyTheLimit() {
    List<Integer> statuses = app.concurrently(40, "/hello", "X-User", "racer");
    assertThat(Collections.frequency(statuses, 200)).isEqualTo(3);
    assertThat(Collections.frequency(statuses, 429)).isEqualTo(37);
  }

  @Test
  void allowedResponsesCarryBothHeaderStyles() throws Exception {
    HttpResponse<String> first = app.get("/hello", "X-User", "dee");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("hello");
    assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"3/minute\";q=3;w=60");
    assertThat(first.headers().firstValue("RateLimit")).hasValueSatisfying(
        v -> assertThat(v).startsWith("\"3/minute\";r=2;t="));
  }

  @Test
  void aRefusalHasTheStatusHeadersAndTheConfiguredBody() throws Exception {
    for (int i = 0; i < 3; i++) {
      app.get("/hello", "X-User", "eve");
    }
    HttpResponse<String> refused = app.get("/hello", "X-User", "eve");
    assertThat(refused.statusCode()).isEqualTo(429);
    long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retry).isBetween(1L, 20L);
    assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(refused.headers().firstValue("Content-Type"))
        .hasValue("application/json;charset=UTF-8");
    assertThat(refused.body())
        .isEqualTo("{\"detail\": \"You've reached the limit!\", \"retry\": " + retry + "}");
  }

  @Test
  void aRequestWithoutTheHeaderIsCountedUnderItsClientAddressFromTheTrustedProxy()
      throws Exception {
    // the peer, 127.0.0.1, is a trusted proxy: X-Forwarded-For names the client
    for (int i = 0; i < 3; i++) {
      assertThat(app.get("/hello", "X-Forwarded-For", "203.0.113.7").statusCode())
          .isEqualTo(200);
    }
    assertThat(app.get("/hello", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(429);
    assertThat(app.get("/hello", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(200);
    assertThat(app.get("/hello", "Forwarded", "for=203.0.113.9").statusCode()).isEqualTo(200);
  }
}
