package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.http.RateLimitHeaders.Policy;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
  private final Policy perMinute = Policy.of(Limit.parse("2/minute"));
  private final Policy perHour = Policy.of(Limit.parse("10/hour").named("say \"hi\""));

  @Test
  void bothStylesOnADenial() {
    assertThat(RateLimitHeaders.of(HeaderStyle.BOTH, perMinute, 0, 12_300_000, true, 1_000_001,
        List.of(perMinute, perHour, perMinute)))
        .containsExactly(
            entry("X-RateLimit-Limit", "2"),
            entry("X-RateLimit-Remaining", "0"),
            entry("X-RateLimit-Reset", "13"),
            entry("RateLimit-Policy", "\"2/minute\";q=2;w=60, \"say \\\"hi\\\"\";q=10;w=3600"),
            entry("RateLimit", "\"2/minute\";r=0;t=13"),
            entry("Retry-After", "2"));
  }

  @Test
  void theXRateLimitNamesAreChosen() {
    assertThat(RateLimitHeaders.of(HeaderStyle.BOTH, HeaderNames.ENVOY, perMinute, 0,
        12_300_000, true, 1_000_001, List.of(perMinute)))
        .containsExactly(
            entry("RateLimit-Limit", "2"),
            entry("RateLimit-Remaining", "0"),
            entry("RateLimit-Reset", "13"),
            entry("RateLimit-Policy", "\"2/minute\";q=2;w=60"),
            entry("RateLimit", "\"2/minute\";r=0;t=13"),
            entry("Retry-After", "2"));
    assertThat(RateLimitHeaders.of(HeaderStyle.IETF, new HeaderNames("a", "b", "c"), perMinute,
        1, 1, false, 0, List.of(perMinute))).doesNotContainKeys("a", "b", "c");
    assertThat(RateLimitHeaders.of(HeaderStyle.X_RATELIMIT, HeaderNames.DEFAULT, perMinute, 1,
        1, false, 0, List.of(perMinute))).isEqualTo(RateLimitHeaders.of(HeaderStyle.X_RATELIMIT,
            perMinute, 1, 1, false, 0, List.of(perMinute)));
  }

  @Test
  void headerNamesAreCheckedWithAMessage() {
    assertThatThrownBy(() -> new HeaderNames("Limit", "Left here", "Reset"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)");
    assertThatThrownBy(() -> new HeaderNames("", "b", "c"))
        .hasMessage("expected an HTTP header name, not an empty one");
    assertThatThrownBy(() -> new HeaderNames("Limit", "limit", "Reset"))
        .hasMessage("the limit, remaining and reset headers need three different names: Limit,"
            + " limit, Reset");
    assertThatThrownBy(() -> new HeaderNames("Limit", "Left", "retry-after"))
        .hasMessage("'retry-after' is sent by another header style or on a denial; choose"
            + " another name");
    assertThat(HeaderNames.name("x-my_limit.v1")).isEqualTo("x-my_limit.v1");
  }

  @Test
  void allowedResponsesCarryNoRetryAfterAndNoneCarriesNothing() {
    assertThat(RateLimitHeaders.of(HeaderStyle.X_RATELIMIT, perMinute, 1, 30_000_000, false, 0,
        List.of(perMinute))).doesNotContainKey("Retry-After").containsKey("X-RateLimit-Limit")
        .doesNotContainKey("RateLimit");
    assertThat(RateLimitHeaders.of(HeaderStyle.NONE, perMinute, 0, 1, true, 1,
        List.of(perMinute))).isEmpty();
  }

  @Test
  void aWaitThatNeverEndsSendsNoRetryAfter() {
    assertThat(RateLimitHeaders.of(HeaderStyle.IETF, perMinute, 0, 0, true, Long.MAX_VALUE,
        List.of(perMinute))).doesNotContainKey("Retry-After");
  }

  @Test
  void secondsRoundUpAndRetryIsAtLeastOne() {
    assertThat(RateLimitHeaders.ceilSeconds(0)).isZero();
    assertThat(RateLimitHeaders.ceilSeconds(1)).isEqualTo(1);
    assertThat(RateLimitHeaders.ceilSeconds(1_000_000)).isEqualTo(1);
    assertThat(RateLimitHeaders.ceilSeconds(1_000_001)).isEqualTo(2);
    assertThat(RateLimitHeaders.retryAfterSeconds(0)).isEqualTo(1);
  }

  @Test
  void stylesParseLeniently() {
    assertThat(HeaderStyle.parse(" X-RateLimit ")).isEqualTo(HeaderStyle.X_RATELIMIT);
    assertThat(HeaderStyle.parse("ietf")).isEqualTo(HeaderStyle.IETF);
    assertThatThrownBy(() -> HeaderStyle.parse("loud"))
        .hasMessage("unknown header style 'loud'; use one of x-ratelimit, ietf, both, none");
  }

  private static final RuleSet RULES = RuleLoader.create().parse(Map.of("api.yaml", """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 2}
        - key: plan
          rate_limits:
            - {unit: hour, requests_per_unit: 10, name: hourly}
            - {unit: day, requests_per_unit: 50, name: daily}
        - key: blocked
          rate_limit: {unit: second, requests_per_unit: 0}
        - key: free
          rate_limit: {unlimited: true}
      """));

  private static RuleMatch match(String key) {
    return RULES.match("api", Descriptor.of(key, "x")).orElseThrow();
  }

  @Test
  void aVerdictsHeadersDescribeItsDecidingStatusAndListEveryLimitThatApplied() {
    RuleMatch user = match("user");
    RuleMatch plan = match("plan");
    Status u = Status.decided(Descriptor.of("user", "x"), user,
        Decision.allowed(user.coreLimits().get(0), 1, 30_000_000));
    Status p = Status.decided(Descriptor.of("plan", "x"), plan,
        Decision.allowed(plan.coreLimits().get(0), 9, 360_000_000));
    Status free = Status.unlimited(Descriptor.of("free", "x"), match("free"));
    assertThat(RateLimitHeaders.of(Verdict.of(List.of(free, p, u)), HeaderStyle.BOTH))
        .containsExactly(
            entry("X-RateLimit-Limit", "2"),
            entry("X-RateLimit-Remaining", "1"),
            entry("X-RateLimit-Reset", "30"),
            entry("RateLimit-Policy", "\"hourly\";q=10;w=3600, \"daily\";q=50;w=86400,"
                + " \"api.user\";q=2;w=60"),
            entry("RateLimit", "\"api.user\";r=1;t=30"));
  }

  @Test
  void aRefusedVerdictAddsRetryAfterUnlessItCanNeverPass() {
    RuleMatch user = match("user");
    Status denied = Status.decided(Descriptor.of("user", "x"), user,
        Decision.denied(user.coreLimits().get(0), 0, 20_000_000, 20_000_001));
    assertThat(RateLimitHeaders.of(Verdict.of(denied), HeaderStyle.X_RATELIMIT))
        .containsEntry("X-RateLimit-Remaining", "0").containsEntry("Retry-After", "21");
    Status blocked = Status.deniesAll(Descriptor.of("blocked", "x"), match("blocked"));
    assertThat(RateLimitHeaders.of(Verdict.of(List.of(denied, blocked)), HeaderStyle.BOTH))
        .containsEntry("X-RateLimit-Limit", "0").containsEntry("X-RateLimit-Reset", "1")
        .containsEntry("RateLimit", "\"api.blocked\";r=0;t=1")
        .doesNotContainKey("Retry-After");
  }

  @Test
  void limitsOutsideRulesAreNamedByTheirRate() {
    Limit minute = Limit.parse("2/minute");
    Limit hour = Limit.parse("10/hour");
    Status s = Status.of(Decision.allowed(minute, 1, 30_000_000), List.of(minute, hour));
    assertThat(RateLimitHeaders.of(Verdict.of(s), HeaderStyle.IETF)).containsExactly(
        entry("RateLimit-Policy", "\"2/minute\";q=2;w=60, \"10/hour\";q=10;w=3600"),
        entry("RateLimit", "\"2/minute\";r=1;t=30"));
  }

  @Test
  void nothingLimitedSendsNothing() {
    assertThat(RateLimitHeaders.of(Verdict.of(
        Status.unlimited(Descriptor.of("free", "x"), match("free"))), HeaderStyle.BOTH)).isEmpty();
    assertThat(RateLimitHeaders.of(Verdict.empty(), HeaderStyle.BOTH)).isEmpty();
  }

  private static java.util.Map.Entry<String, String> entry(String k, String v) {
    return java.util.Map.entry(k, v);
  }
}
