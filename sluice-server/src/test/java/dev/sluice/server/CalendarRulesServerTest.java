package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.CalendarPeriod;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules with a calendar block, on a real server (memory backend) over real sockets: the reset
 * that {@code /v1/check}, its headers and envoy's {@code /json} report is the real end of the
 * calendar period, as the test computes it from the time around the request; a rules file with an
 * unknown zone is refused with the file, the path and the zone.
 */
class CalendarRulesServerTest {

  static final String RULES = """
      domain: quota
      descriptors:
        - key: tenant
          rate_limit:
            unit: month
            requests_per_unit: 1000
            name: tenant-monthly
            calendar: {zone: Pacific/Chatham, anchor: 2026-01-15}
        - key: user
          rate_limit:
            unit: day
            requests_per_unit: 2
            calendar: {zone: Asia/Kathmandu}
        - key: envoy
          rate_limit: {unit: month, requests_per_unit: 5}
      """;

  static final CalendarPeriod BILLING = CalendarPeriod.month().zone("Pacific/Chatham")
      .anchorDay(15);
  static final CalendarPeriod KATHMANDU_DAY = CalendarPeriod.day().zone("Asia/Kathmandu");
  /** The server reads its own clock; its reading and the test's may differ by this much. */
  static final long SLACK_MICROS = 1_000_000;

  @TempDir static Path dir;
  static Running s;

  @BeforeAll
  static void start() throws Exception {
    s = Running.start(dir, Map.of("quota.yaml", RULES), Map.of());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static long nowMicros() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }

  /** Seconds to the period's end, rounded up, as seen from {@code micros}. */
  private static long secondsToEnd(CalendarPeriod period, long micros) {
    long left = period.windowAt(micros).endMicros() - micros;
    return (left + 999_999) / 1_000_000;
  }

  private static String check(String key, String value, long hits) {
    return "{\"domain\":\"quota\",\"hits\":" + hits + ",\"descriptors\":[{\"entries\":[{\"key\":\""
        + key + "\",\"value\":\"" + value + "\"}]}]}";
  }

  @Test
  void checkReportsTheResetAtTheEndOfTheBillingMonth() throws Exception {
    long before = nowMicros();
    HttpResponse<String> r = s.post("/v1/check", check("tenant", "acme", 10));
    long after = nowMicros();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode st = HttpApiTest.JSON.readTree(r.body()).path("statuses").get(0);
    assertThat(st.path("limit").path("calendar").asText())
        .isEqualTo("month@Pacific/Chatham anchor 15");
    assertThat(st.path("limit").path("unit").asText()).isEqualTo("MONTH");
    assertThat(st.path("remaining").asLong()).isEqualTo(990);
    long reset = st.path("resetSeconds").asLong();
    assertThat(reset).as("seconds to the 15th at midnight in Chatham")
        .isBetween(secondsToEnd(BILLING, after + SLACK_MICROS),
            secondsToEnd(BILLING, before - SLACK_MICROS));
    assertThat(r.headers().firstValue("x-ratelimit-reset")).hasValue(Long.toString(reset));
    assertThat(r.headers().firstValue("ratelimit").orElseThrow())
        .isEqualTo("\"tenant-monthly\";r=990;t=" + reset);
  }

  @Test
  void aDailyBudgetIsRefusedUntilLocalMidnight() throws Exception {
    String req = check("user", "bob", 1);
    assertThat(s.post("/v1/check", req).statusCode()).isEqualTo(200);
    assertThat(s.post("/v1/check", req).statusCode()).isEqualTo(200);
    long before = nowMicros();
    HttpResponse<String> over = s.post("/v1/check", req);
    long after = nowMicros();
    assertThat(over.statusCode()).isEqualTo(429);
    long retry = Long.parseLong(over.headers().firstValue("retry-after").orElseThrow());
    assertThat(retry).as("seconds to midnight in Kathmandu")
        .isBetween(Math.max(1, secondsToEnd(KATHMANDU_DAY, after + SLACK_MICROS)),
            secondsToEnd(KATHMANDU_DAY, before - SLACK_MICROS));
    JsonNode st = HttpApiTest.JSON.readTree(over.body()).path("statuses").get(0);
    assertThat(st.path("retryAfterSeconds").asLong()).isEqualTo(retry);
    assertThat(st.path("resetSeconds").asLong()).isEqualTo(retry);
  }

  @Test
  void envoysJsonReportsTheCalendarResetAndEnvoyUnitsKeepTheirLength() throws Exception {
    long before = nowMicros();
    HttpResponse<String> r = s.post("/json", Running.envoy("quota", "tenant", "globex"));
    long after = nowMicros();
    JsonNode st = HttpApiTest.JSON.readTree(r.body()).path("statuses").get(0);
    assertThat(st.path("currentLimit").path("unit").asText()).isEqualTo("MONTH");
    String d = st.path("durationUntilReset").asText();
    assertThat(Long.parseLong(d.substring(0, d.length() - 1)))
        .isBetween(secondsToEnd(BILLING, after + SLACK_MICROS),
            secondsToEnd(BILLING, before - SLACK_MICROS));

    // a month without a calendar block is envoy's: 30 days from the epoch-aligned window
    long envoyBefore = nowMicros();
    r = s.post("/json", Running.envoy("quota", "envoy", "e"));
    long envoyAfter = nowMicros();
    st = HttpApiTest.JSON.readTree(r.body()).path("statuses").get(0);
    d = st.path("durationUntilReset").asText();
    long thirtyDays = 30L * 86_400_000_000L;
    long fromBefore = thirtyDays - Math.floorMod(envoyBefore - SLACK_MICROS, thirtyDays);
    long fromAfter = thirtyDays - Math.floorMod(envoyAfter + SLACK_MICROS, thirtyDays);
    assertThat(Long.parseLong(d.substring(0, d.length() - 1)))
        .isBetween(fromAfter / 1_000_000, (fromBefore + 999_999) / 1_000_000);
  }

  @Test
  void aRulesFileWithAnUnknownZoneIsRefusedNamingTheFileThePathAndTheZone() throws Exception {
    HttpResponse<String> bad = s.adminPut("/v1/rules/quota",
        RULES.replace("Asia/Kathmandu", "Asia/Katmandoo"));
    assertThat(bad.statusCode()).isEqualTo(400);
    JsonNode error = HttpApiTest.JSON.readTree(bad.body()).path("errors").get(0);
    assertThat(error.toString()).contains("quota.yaml").contains("user > rate_limit.calendar");
    assertThat(error.path("problem").asText()).startsWith(
        "unknown time zone \"Asia/Katmandoo\"; expected a region such as Europe/Paris");
    // the rules in force are unchanged
    assertThat(s.post("/v1/check", check("user", "carol", 1)).statusCode()).isEqualTo(200);
  }
}
