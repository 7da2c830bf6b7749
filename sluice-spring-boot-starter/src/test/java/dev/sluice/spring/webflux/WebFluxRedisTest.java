package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import dev.sluice.testkit.redis.RedisStandalone;
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
 * The WebFlux application counting in a real redis-server: exact per key, sequentially and under
 * concurrent requests, {@code @RateLimited} included; BlockHound sees no blocking call, neither
 * on Reactor Netty's event loops nor on Lettuce's.
 */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxRedisTest {

  static RedisStandalone redis;
  static RunningApp app;

  @BeforeAll
  static void start() {
    redis = RedisStandalone.start();
    app = RunningApp.start(WebFluxTestApp.class,
        "sluice.backend=" + redis.uri(),
        // the behaviour under test is the counting, not Redis latency on a busy machine
        "sluice.redis-timeout=5s",
        "sluice.limits=4/minute",
        "sluice.key=header:X-User",
        "sluice.headers=x-ratelimit");
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    redis.close();
  }

  @Test
  void countsEachKeyExactlyInRedis() throws Exception {
    assertThat(app.bean(Backend.class)).isInstanceOf(RedisBackend.class);
    for (String user : List.of("ann", "bob")) {
      int allowed = 0;
      int refused = 0;
      for (int i = 0; i < 9; i++) {
        HttpResponse<String> r = app.get("/hello", "X-User", user);
        if (r.statusCode() == 200) {
          allowed++;
          assertThat(r.headers().firstValue("X-RateLimit-Remaining"))
              .hasValue(Integer.toString(4 - allowed));
        } else if (r.statusCode() == 429) {
          refused++;
        }
      }
      assertThat(allowed).as(user + " allowed").isEqualTo(4);
      assertThat(refused).as(user + " refused").isEqualTo(5);
    }
    assertThat(((RedisBackend) app.bean(Backend.class)).degradedDecisions()).isZero();
  }

  @Test
  void concurrentRequestsOfOneKeyGetExactlyTheLimit() {
    List<Integer> statuses = app.concurrently(40, "/hello", "X-User", "racer");
    assertThat(Collections.frequency(statuses, 200)).isEqualTo(4);
    assertThat(Collections.frequency(statuses, 429)).isEqualTo(36);
    assertThat(((RedisBackend) app.bean(Backend.class)).degradedDecisions()).isZero();
  }

  @Test
  void aHandlerMethodsLimitIsCountedInRedisToo() throws Exception {
    // the plain limit (4/minute per X-User) and the handler's (1/minute per address) both apply
    assertThat(app.get("/expensive", "X-User", "cid").statusCode()).isEqualTo(200);
    HttpResponse<String> second = app.get("/expensive", "X-User", "dan");
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(second.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
  }
}
