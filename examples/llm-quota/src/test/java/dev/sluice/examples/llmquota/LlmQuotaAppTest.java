package dev.sluice.examples.llmquota;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.CalendarPeriod;
import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import dev.sluice.testkit.redis.RedisStandalone;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The app over HTTP on a manual clock: estimates reserved in both budgets, the real counts
 * settled (less given back, more charged past the budget), a refusal until the user's local
 * midnight, the tenant's month renewing on its anchor, and a monthly refusal that gives the
 * day's hold back. The numbers are those of the README.
 */
class LlmQuotaAppTest {

  /** Saturday 2026-03-14, 09:00 in Los Angeles (PDT), 17:00 in Paris (CET). */
  static final Instant START = Instant.parse("2026-03-14T16:00:00Z");

  private final ManualClock clock = new ManualClock(START.toEpochMilli() * 1000);
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private LlmQuotaApp app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  private void start(Accounts accounts) throws Exception {
    Backend backend = MemoryBackend.builder().clock(clock).build();
    app = new LlmQuotaApp(backend, accounts, 0);
  }

  private HttpResponse<String> complete(String user, int promptWords, long maxTokens)
      throws Exception {
    String prompt = "word ".repeat(promptWords).strip();
    String body = "{\"user\":\"" + user + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":"
        + maxTokens + "}";
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port()
        + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String usageLine(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().substring(r.body().indexOf("[usage]")).strip();
  }

  private JsonNode usage(String user) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + app.port() + "/v1/usage/" + user)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private void at(String instant) {
    clock.setMicros(Instant.parse(instant).toEpochMilli() * 1000);
  }

  @Test
  void theNumbersMoveAsTheReadmeShows() throws Exception {
    start(Accounts.demo());
    JsonNode before = usage("alice");
    assertThat(before.path("daily").path("remaining").asLong()).isEqualTo(10_000);
    assertThat(before.path("monthly").path("remaining").asLong()).isEqualTo(50_000);

    // a short answer: 205 reserved, 55 used, 150 given back
    HttpResponse<String> first = complete("alice", 5, 1000);
    assertThat(first.body()).startsWith("the quota holds an estimate and settles what was");
    assertThat(usageLine(first)).isEqualTo("[usage] reserved=205 prompt=5 completion=50"
        + " actual=55 daily_remaining=9945 monthly_remaining=49945");
    JsonNode after = usage("alice");
    assertThat(after.path("daily").path("resetSeconds").asLong()).as("to midnight in LA")
        .isEqualTo(15 * 3600);
    assertThat(after.path("monthly").path("resetSeconds").asLong()).as("to the 15th in Paris")
        .isEqualTo(7 * 3600);
    // a long answer: 240 reserved, 440 used, 200 more charged
    assertThat(usageLine(complete("alice", 40, 1000))).isEqualTo("[usage] reserved=240"
        + " prompt=40 completion=400 actual=440 daily_remaining=9505 monthly_remaining=49505");
    // bob: his own day, the same tenant's month
    assertThat(usageLine(complete("bob", 5, 1000))).isEqualTo("[usage] reserved=205 prompt=5"
        + " completion=50 actual=55 daily_remaining=9945 monthly_remaining=49450");
    // far more than estimated: charged in full, past alice's daily budget
    assertThat(usageLine(complete("alice", 900, 10_000))).isEqualTo("[usage] reserved=1100"
        + " prompt=900 completion=9000 actual=9900 daily_remaining=0 monthly_remaining=39550");
    HttpResponse<String> refused = complete("alice", 1, 10);
    assertThat(refused.statusCode()).isEqualTo(429);
    JsonNode r = json.readTree(refused.body());
    assertThat(r.path("budget").asText()).isEqualTo("daily");
    assertThat(r.path("retryAfterSeconds").asLong()).isEqualTo(15 * 3600);

    // 00:00 on the 15th in Paris: acme's month renews; alice's day has not ended
    at("2026-03-14T23:00:00Z");
    assertThat(usage("bob").path("monthly").path("remaining").asLong()).isEqualTo(50_000);
    assertThat(complete("alice", 1, 10).statusCode()).isEqualTo(429);
    // 00:00 on the 15th in Los Angeles: a new day for alice
    at("2026-03-15T07:00:00Z");
    assertThat(usageLine(complete("alice", 5, 1000))).isEqualTo("[usage] reserved=205 prompt=5"
        + " completion=50 actual=55 daily_remaining=9945 monthly_remaining=49945");
  }

  @Test
  void aMonthlyRefusalGivesTheDaysHoldBack() throws Exception {
    Accounts demo = Accounts.demo();
    Map<String, Accounts.Tenant> tenants = new HashMap<>(demo.tenants());
    tenants.put("globex", new Accounts.Tenant("globex", 1_000, CalendarPeriod.month()));
    start(new Accounts(demo.users(), tenants));
    HttpResponse<String> refused = complete("carol", 900, 1000);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(json.readTree(refused.body()).path("budget").asText()).isEqualTo("monthly");
    assertThat(usage("carol").path("daily").path("remaining").asLong()).isEqualTo(10_000);
  }

  @Test
  void twoInstancesOnOneRedisSpendTheSameBudgets() throws Exception {
    try (RedisStandalone redis = RedisStandalone.start();
        RedisBackend first = RedisBackend.builder(redis.uri()).build();
        RedisBackend second = RedisBackend.builder(redis.uri()).build();
        LlmQuotaApp one = new LlmQuotaApp(first, Accounts.demo(), 0);
        LlmQuotaApp two = new LlmQuotaApp(second, Accounts.demo(), 0)) {
      app = one;
      assertThat(usageLine(complete("alice", 5, 1000))).endsWith("daily_remaining=9945"
          + " monthly_remaining=49945");
      app = two; // sees alice's 55 tokens and adds its own
      assertThat(usageLine(complete("alice", 5, 1000))).endsWith("daily_remaining=9890"
          + " monthly_remaining=49890");
    } finally {
      app = null;
    }
  }

  @Test
  void badRequestsAreRefusedWithAMessage() throws Exception {
    start(Accounts.demo());
    HttpResponse<String> unknown = complete("mallory", 5, 10);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("known user");
    assertThat(complete("alice", 5, 0).statusCode()).isEqualTo(400);
    assertThat(usage("alice").path("daily").path("remaining").asLong()).isEqualTo(10_000);
  }
}
