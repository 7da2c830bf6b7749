package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxapp.WebFluxTestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Counting only some responses in a WebFlux application: the cost is held before the handler and
 * settled by the final status after the chain, on errors and on cancelled exchanges too.
 */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxCountStatusesTest {

  static RunningApp app;

  @BeforeAll
  static void start() {
    app = RunningApp.start(WebFluxTestApp.class,
        "sluice.limits=3/minute",
        "sluice.key=header:X-User",
        "sluice.count-statuses=401,499,500");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static int login(String user, String password) throws Exception {
    return app.get("/login", "X-User", user, "X-Password", password).statusCode();
  }

  @Test
  void onlyFailedLoginsCount() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(login("amy", "open sesame")).isEqualTo(200);
    }
    assertThat(login("amy", "guess 1")).isEqualTo(401);
    assertThat(login("amy", "guess 2")).isEqualTo(401);
    assertThat(login("amy", "open sesame")).isEqualTo(200);
    assertThat(login("amy", "guess 3")).isEqualTo(401);
    // three failures counted: now everything is refused, the right password too
    assertThat(login("amy", "guess 4")).isEqualTo(429);
    assertThat(login("amy", "open sesame")).isEqualTo(429);
    // another user is untouched
    assertThat(login("ben", "guess 1")).isEqualTo(401);
  }

  @Test
  void concurrentFailuresNeverGetPastTheLimit() {
    List<Integer> statuses = app.concurrently(30, "/login", "X-User", "mob", "X-Password", "x");
    assertThat(Collections.frequency(statuses, 401)).isEqualTo(3);
    assertThat(Collections.frequency(statuses, 429)).isEqualTo(27);
  }

  @Test
  void aHandlerErrorCountsAs500AndAMissingRouteAsItsOwn404() throws Exception {
    for (int i = 0; i < 6; i++) {
      assertThat(app.get("/nowhere", "X-User", "eli").statusCode()).isEqualTo(404);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(app.get("/fails", "X-User", "eli").statusCode()).isEqualTo(500);
    }
    assertThat(app.get("/fails", "X-User", "eli").statusCode()).isEqualTo(429);
  }

  @Test
  void aClientThatGoesAwayCountsAs499() throws Exception {
    HttpClient impatient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int i = 0; i < 3; i++) {
      HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port + "/slow"))
          .header("X-User", "fay").timeout(Duration.ofMillis(300)).build();
      try {
        impatient.send(r, HttpResponse.BodyHandlers.ofString());
        throw new AssertionError("the slow handler answered within 300 ms");
      } catch (HttpTimeoutException expected) {
        // the client closes its connection: the exchange is cancelled
      }
    }
    // Had the cancelled exchanges not been settled as 499, their handlers would have finished
    // with 200 by now and given the holds back.
    Thread.sleep(2500);
    assertThat(app.get("/status/200", "X-User", "fay").statusCode()).isEqualTo(429);
    assertThat(app.get("/status/200", "X-User", "gus").statusCode()).isEqualTo(200);
  }
}
