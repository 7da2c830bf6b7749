package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.redis.RedisStandalone;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        all.add(pool.submit(() -> {
          go.await();
          return server.send("POST", "/login", "X-Password", "guess").statusCode();
        }));
      }
      go.countDown();
      List<Integer> got = new ArrayList<>();
      for (Future<Integer> f : all) {
        got.add(f.get());
      }
      assertThat(got.stream().filter(s -> s == 401).count()).isEqualTo(limit);
      assertThat(got.stream().filter(s -> s == 429).count()).isEqualTo(threads - limit);
    } finally {
      pool.shutdownNow();
    }
  }
}
