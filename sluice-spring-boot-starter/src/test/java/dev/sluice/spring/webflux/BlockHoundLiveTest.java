package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxapp.WebFluxTestApp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * BlockHound is live in the reactive tests: a handler that sleeps on a non-blocking thread (the
 * Reactor Netty event loop or Reactor's parallel scheduler, where WebFlux runs it) is caught, so the other reactive tests' "no blocking call" means something.
 */
@Tag("reactive")
class BlockHoundLiveTest {

  @BeforeAll
  static void blockHound() {
    BlockingCalls.install();
  }

  @Test
  void aBlockingCallOnTheEventLoopIsCaught() throws Exception {
    try (RunningApp app = RunningApp.start(WebFluxTestApp.class)) {
      BlockingCalls.clear();
      assertThat(app.get("/hello").statusCode()).isEqualTo(200);
      assertThat(BlockingCalls.seen()).isEmpty();

      HttpResponse<String> blocked = app.get("/blocks");

      assertThat(blocked.statusCode()).isEqualTo(500);
      assertThat(BlockingCalls.seen()).singleElement().asString()
          .contains("java.lang.Thread.sleep")
          .containsAnyOf(" on reactor-http-", " on parallel-");
      BlockingCalls.clear();
    }
  }
}
