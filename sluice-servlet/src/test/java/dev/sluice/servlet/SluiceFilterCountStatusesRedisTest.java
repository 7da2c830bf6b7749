package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.redis.RedisStandalone;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * count-statuses on a real redis-server: holds and settlements go through the Redis backend's
 * scripts, in a real Tomcat called over HTTP.
 */
class SluiceFilterCountStatusesRedisTest {

  private static final RedisStandalone REDIS = RedisStandalone.start();

  private EmbeddedTomcat server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @AfterAll
  static void stopRedis() {
    REDIS.close();
  }

  private void start(String limits, long sleepMillis) throws Exception {
    REDIS.flushAll();  // every test counts 127.0.0.1 from zero
    // a generous timeout: the subject is the counting, not Redis latency on a busy machine
    server = new EmbeddedTomcat()
        .servlet("login", new SluiceFilterWhenToCountTest.Login(sleepMillis), "/*")
        .filter(SluiceFilter.class, Map.of("backend", REDIS.uri(), "redis-timeout", "5s",
            "failure-policy", "fail-closed", "limits", limits, "count-statuses", "401"))
        .start();
  }

  @Test
  void successesAreGivenBackAndFailuresCounted() throws Exception {
    start("3/minute", 0);
    for (int i = 0; i < 6; i++) {
      assertThat(server.send("POST", "/login", "X-Password", "open sesame").statusCode())
          .isEqualTo(200);
    }
    List<Integer> failures = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      failures.add(server.send("POST", "/login", "X-Password", "guess").statusCode());
    }
    assertThat(failures).containsExactly(401, 401, 401, 429);
  }

  @Test
  void concurrentFailuresNeverPassTheLimit() throws Exception {
    int limit = 4;
    int threads = 16;
    start(limit + "/minute", 100);
    List<Integer> got = server.sendAtOnce(threads, "POST", "/login", "X-Password", "guess");
    assertThat(got.stream().filter(s -> s == 401).count()).isEqualTo(limit);
    assertThat(got.stream().filter(s -> s == 429).count()).isEqualTo(threads - limit);
  }
}
