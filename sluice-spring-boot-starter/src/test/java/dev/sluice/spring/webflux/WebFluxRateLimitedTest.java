package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxapp.WebFluxTestApp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code @RateLimited} on WebFlux handler methods and controller classes: counted per handler,
 * under the annotation's key, a method annotation over the class one. No plain limits here.
 */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxRateLimitedTest {

  static RunningApp app;

  @BeforeAll
  static void start() {
    app = RunningApp.start(WebFluxTestApp.class, "sluice.headers=x-ratelimit");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aHandlerMethodHasItsOwnLimitUnderItsKey() throws Exception {
    HttpResponse<String> first = app.get("/expensive");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("expensive");
    assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
    // keyed by ip: another header changes nothing
    HttpResponse<String> second = app.get("/expensive", "X-User", "someone-else");
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(second.headers().firstValue("Content-Type"))
        .hasValue("application/problem+json;charset=UTF-8");
    assertThat(second.body()).startsWith("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\","
        + "\"status\":429,\"detail\":\"Rate limit 1/minute exceeded; retry after ");
    // other handlers are not limited at all
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> hello = app.get("/hello");
      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }
  }

  @Test
  void aClassAnnotationIsOneCounterForTheClassAndAMethodAnnotationWins() throws Exception {
    // class: 2/minute per X-User over /daily and /weekly together
    assertThat(app.get("/reports/daily", "X-User", "kim").statusCode()).isEqualTo(200);
    assertThat(app.get("/reports/weekly", "X-User", "kim").statusCode()).isEqualTo(200);
    assertThat(app.get("/reports/daily", "X-User", "kim").statusCode()).isEqualTo(429);
    assertThat(app.get("/reports/weekly", "X-User", "kim").statusCode()).isEqualTo(429);
    assertThat(app.get("/reports/daily", "X-User", "lou").statusCode()).isEqualTo(200);
    // method: 1/minute per X-User, its own counter
    HttpResponse<String> yearly = app.get("/reports/yearly", "X-User", "kim");
    assertThat(yearly.statusCode()).isEqualTo(200);
    assertThat(yearly.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
    assertThat(app.get("/reports/yearly", "X-User", "kim").statusCode()).isEqualTo(429);
  }
}
