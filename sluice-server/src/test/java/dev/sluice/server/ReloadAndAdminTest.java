package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload of the rules directory, and the admin API (on the admin port), on a real server. */
class ReloadAndAdminTest {

  static String rules(int perMinute) {
    return "domain: api\ndescriptors:\n  - key: user\n    rate_limit: {unit: minute,"
        + " requests_per_unit: " + perMinute + "}\n";
  }

  @TempDir Path dir;

  static int limitOf(HttpResponse<String> r) throws Exception {
    return HttpApiTest.JSON.readTree(r.body()).path("statuses").get(0).path("currentLimit")
        .path("requestsPerUnit").asInt();
  }

  /** Waits up to 10 s for {@code check}, failing with {@code what}. */
  static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  @Test
  void goodThenBadThenGoodUnderTrafficFailsNoRequest() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", rules(100_000)),
        Map.of("reload-interval", "100ms"))) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong served = new AtomicLong();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<Thread> traffic = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        Thread th = new Thread(() -> {
          int i = 0;
          while (!stop.get()) {
            try {
              HttpResponse<String> r = s.post("/json",
                  Running.envoy("api", "user", "u" + id + "-" + (i++ % 50)));
              if (r.statusCode() != 200 && r.statusCode() != 429) {
                failures.add(r.statusCode() + " " + r.body());
              }
              served.incrementAndGet();
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        });
        th.start();
        traffic.add(th);
      }
      try {
        await("traffic", () -> served.get() > 50);
        Files.writeString(dir.resolve("api.yaml"), rules(100_000).replace("minute", "fortnight"));
        await("a failed reload", () -> {
          JsonNode r = HttpApiTest.JSON.readTree(s.get("/readyz").body());
          return r.path("rules").path("reloadsFailed").asInt() >= 1;
        });
        HttpResponse<String> ready = s.get("/readyz");
        assertThat(ready.statusCode()).as("still ready on the last good set").isEqualTo(200);
        JsonNode rs = HttpApiTest.JSON.readTree(ready.body()).path("rules");
        assertThat(rs.path("lastReload").asText()).isEqualTo("failed");
        assertThat(rs.path("lastErrors").get(0).path("message").asText()).contains("fortnight");
        assertThat(limitOf(s.post("/json", Running.envoy("api", "user", "probe"))))
            .isEqualTo(100_000);
        long before = served.get();
        await("more traffic", () -> served.get() > before + 50);
        Files.writeString(dir.resolve("api.yaml"), rules(7));
        await("the new rules", () ->
            limitOf(s.post("/json", Running.envoy("api", "user", "probe"))) == 7);
        JsonNode ok = HttpApiTest.JSON.readTree(s.get("/readyz").body()).path("rules");
        assertThat(ok.path("lastReload").asText()).isEqualTo("ok");
        long after = served.get();
        await("traffic on the new rules", () -> served.get() > after + 50);
      } finally {
        stop.set(true);
        for (Thread th : traffic) {
          th.join();
        }
      }
      assertThat(failures).isEmpty();
      assertThat(s.metrics())
          .containsPattern("sluice_rules_reloads_total\\{result=\"failed\"} [1-9]")
          .containsPattern("sluice_rules_reloads_total\\{result=\"ok\"} [2-9]");
    }
  }

  @Test
  void notReadyUntilRulesLoad() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", "domain: ''\n"),
        Map.of("reload-interval", "100ms"))) {
      HttpResponse<String> r = s.get("/readyz");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"ready\":false");
      // requests are still answered (nothing matches)
      assertThat(s.post("/json", Running.envoy("api", "user", "x")).statusCode()).isEqualTo(200);
      Files.writeString(dir.resolve("api.yaml"), rules(5));
      await("ready", () -> s.get("/readyz").statusCode() == 200);
    }
  }

  @Test
  void adminRoundTrip() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", rules(10)),
        Map.of("reload-interval", "3600s"))) {
      JsonNode list = HttpApiTest.JSON.readTree(s.adminGet("/v1/rules").body());
      assertThat(list.path("domains").get(0).path("domain").asText()).isEqualTo("api");
      assertThat(list.path("tree").asText()).contains("user: 10/minute");
      assertThat(s.adminGet("/v1/rules/api").body()).isEqualTo(rules(10));
      assertThat(s.adminGet("/v1/rules/nope").statusCode()).isEqualTo(404);

      HttpResponse<String> put = s.adminPut("/v1/rules/api", rules(4));
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      assertThat(Files.readString(dir.resolve("api.yaml"))).isEqualTo(rules(4));
      assertThat(s.adminGet("/v1/rules/api").body()).isEqualTo(rules(4));
      assertThat(limitOf(s.post("/json", Running.envoy("api", "user", "a")))).isEqualTo(4);

      HttpResponse<String> bad = s.adminPut("/v1/rules/api",
          rules(4).replace("minute", "fortnight"));
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(HttpApiTest.JSON.readTree(bad.body()).path("errors").get(0).path("problem")
          .asText()).contains("fortnight");
      assertThat(Files.readString(dir.resolve("api.yaml"))).isEqualTo(rules(4));

      HttpResponse<String> other = s.adminPut("/v1/rules/api",
          rules(4).replace("api", "web"));
      assertThat(other.statusCode()).isEqualTo(400);
      assertThat(other.body()).contains("the rules declare domain [web] but the path names api");

      HttpResponse<String> created = s.adminPut("/v1/rules/web",
          rules(2).replace("api", "web"));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      assertThat(dir.resolve("web.yaml")).exists();
      assertThat(limitOf(s.post("/json", Running.envoy("web", "user", "a")))).isEqualTo(2);

      // an edit on disk is picked up by POST /v1/reload even without polling
      Files.writeString(dir.resolve("api.yaml"), rules(9));
      HttpResponse<String> reload = s.adminPost("/v1/reload", "");
      assertThat(reload.statusCode()).isEqualTo(200);
      assertThat(limitOf(s.post("/json", Running.envoy("api", "user", "b")))).isEqualTo(9);
      Files.writeString(dir.resolve("api.yaml"), "domain: [\n");
      assertThat(s.adminPost("/v1/reload", "").statusCode()).isEqualTo(409);
      assertThat(limitOf(s.post("/json", Running.envoy("api", "user", "c")))).isEqualTo(9);
      Predicate<String> noTrace = b -> !b.contains("\tat ") && !b.contains("Exception");
      assertThat(s.adminPost("/v1/reload", "").body()).matches(noTrace);
    }
  }
}
