package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisStandalone;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that changes a rule's limit keeps what each key used, over real sockets: rules of
 * 10/minute, 7 taken by a key, a reload to 12/minute leaves it 5 (not 12), a reload to 5/minute
 * denies it. Through the rules file's hot reload and through the admin API, on the memory backend
 * and on Redis (standalone and Cluster).
 */
class ChangedLimitsServerTest {

  @TempDir Path dir;

  /** Changes the rules of the running server to {@code perMinute}. */
  private interface Change {
    void to(Running s, int perMinute) throws Exception;
  }

  private final Change fileReload = (s, perMinute) ->
      Files.writeString(dir.resolve("api.yaml"), ReloadAndAdminTest.rules(perMinute));

  private static final Change ADMIN_WRITE = (s, perMinute) -> {
    HttpResponse<String> put = s.adminPut("/v1/rules/api", ReloadAndAdminTest.rules(perMinute));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
  };

  private Running start(Map<String, String> settings) throws Exception {
    return Running.start(dir, Map.of("api.yaml", ReloadAndAdminTest.rules(10)), settings);
  }

  private static HttpResponse<String> hit(Running s, String user) throws Exception {
    return s.post("/json", Running.envoy("api", "user", user));
  }

  private static void awaitLimit(Running s, int perMinute) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ReloadAndAdminTest.limitOf(hit(s, "probe")) != perMinute) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for the rules of " + perMinute + "/minute");
      }
      Thread.sleep(20);
    }
  }

  private static void keepsCounts(Running s, Change change) throws Exception {
    Running.clearOfAMinuteBoundary();
    for (int i = 0; i < 7; i++) {
      assertThat(hit(s, "kept").statusCode()).isEqualTo(200);
    }
    change.to(s, 12);
    awaitLimit(s, 12);
    HttpResponse<String> raised = hit(s, "kept");
    assertThat(raised.statusCode()).isEqualTo(200);
    assertThat(remaining(raised)).as("12/minute after 7 of 10, then 1").isEqualTo(4);
    HttpResponse<String> fresh = hit(s, "never-seen");
    assertThat(remaining(fresh)).isEqualTo(11);

    change.to(s, 5);
    awaitLimit(s, 5);
    HttpResponse<String> lowered = hit(s, "kept");
    assertThat(lowered.statusCode()).as("8 used of 5").isEqualTo(429);
    assertThat(remaining(lowered)).isZero();
  }

  private static int remaining(HttpResponse<String> r) throws Exception {
    return HttpApiTest.JSON.readTree(r.body()).path("statuses").get(0).path("limitRemaining")
        .asInt(0);
  }

  @Test
  void aFileReloadKeepsCountsInMemory() throws Exception {
    try (Running s = start(Map.of("reload-interval", "100ms"))) {
      keepsCounts(s, fileReload);
    }
  }

  @Test
  void anAdminWriteKeepsCountsInMemory() throws Exception {
    try (Running s = start(Map.of("reload-interval", "3600s"))) {
      keepsCounts(s, ADMIN_WRITE);
    }
  }

  @Test
  void aFileReloadKeepsCountsOnRedis() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        Running s = start(Map.of("reload-interval", "100ms", "backend", redis.uri()))) {
      keepsCounts(s, fileReload);
    }
  }

  @Test
  void anAdminWriteKeepsCountsOnARedisCluster() throws Exception {
    try (RedisCluster cluster = RedisCluster.start();
        Running s = start(Map.of("reload-interval", "3600s", "backend", cluster.uri()))) {
      keepsCounts(s, ADMIN_WRITE);
    }
  }
}
