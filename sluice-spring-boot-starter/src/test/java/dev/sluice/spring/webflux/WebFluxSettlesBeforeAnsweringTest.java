package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxapp.WebFluxTestApp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With count-statuses, a request's hold is settled before its response leaves: a client that
 * waits for each answer has its next request decided on the settled count, never on a hold its
 * previous request still seemed to keep.
 */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxSettlesBeforeAnsweringTest {

  static RunningApp app;

  @BeforeAll
  static void start() {
    // One permit: any hold of a previous request still open refuses the next one.
    app = RunningApp.start(WebFluxTestApp.class,
        "sluice.limits=1/minute",
        "sluice.key=header:X-User",
        "sluice.count-statuses=401");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void eachSuccessIsGivenBackBeforeTheNextRequest() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      statuses.add(app.get("/login", "X-User", "kim", "X-Password", "open sesame").statusCode());
    }
    assertThat(Collections.frequency(statuses, 200)).as("statuses " + statuses).isEqualTo(200);
    // the one failure counts, then the key is refused
    assertThat(app.get("/login", "X-User", "kim", "X-Password", "guess").statusCode())
        .isEqualTo(401);
    assertThat(app.get("/login", "X-User", "kim", "X-Password", "open sesame").statusCode())
        .isEqualTo(429);
  }

  @Test
  void aSlowSuccessIsGivenBackBeforeTheNextRequestToo() throws Exception {
    // the handler answers on another thread (after a delay): still settled before the answer
    for (int i = 0; i < 40; i++) {
      assertThat(app.get("/status/200", "X-User", "lou").statusCode()).as("request " + i)
          .isEqualTo(200);
    }
  }
}
