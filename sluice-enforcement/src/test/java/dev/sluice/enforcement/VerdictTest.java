package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Statuses of each kind, and the one deciding status of a verdict. */
class VerdictTest {

  private static final RuleSet RULES = RuleLoader.create().parse(Map.of("api.yaml", """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 10}
        - key: plan
          rate_limit: {unit: hour, requests_per_unit: 100, name: per-plan}
        - key: shadow
          shadow_mode: true
          rate_limit: {unit: second, requests_per_unit: 5}
        - key: blocked
          rate_limit: {unit: second, requests_per_unit: 0}
        - key: blocked_shadow
          shadow_mode: true
          rate_limit: {unit: minute, unit_multiplier: 2, requests_per_unit: 0}
        - key: free
          rate_limit: {unlimited: true}
        - key: team
          quota_mode: true
          rate_limit: {unit: hour, requests_per_unit: 5}
        - key: org
          quota_mode: true
          rate_limit: {unit: day, requests_per_unit: 50}
      """));

  private static RuleMatch match(String key) {
    return RULES.match("api", Descriptor.of(key, "x")).orElseThrow();
  }

  private static Status decided(String key, Decision d) {
    return Status.decided(Descriptor.of(key, "x"), match(key), d);
  }

  private static Decision allowed(RuleMatch m, long remaining, long reset) {
    return Decision.allowed(m.coreLimits().get(0), remaining, reset);
  }

  private static Decision denied(RuleMatch m, long retry) {
    return Decision.denied(m.coreLimits().get(0), 0, 60_000_000, retry);
  }

  /**
   * envoy's quota_mode: a quota over its limit is reported over limit but refuses only when every
   * quota of the request is; any other status over its limit refuses; unlimited ones are no
   * quotas.
   */
  @Test
  void quotasRefuseOnlyTogether() {
    Status teamOver = decided("team", denied(match("team"), 1_000_000));
    Status orgOver = decided("org", denied(match("org"), 2_000_000));
    Status orgOk = decided("org", allowed(match("org"), 3, 1_000));
    Status userOk = decided("user", allowed(match("user"), 9, 1_000));
    Status userOver = decided("user", denied(match("user"), 500_000));
    Status free = Status.unlimited(Descriptor.of("free", "x"), match("free"));
    assertThat(teamOver.quota()).isTrue();
    assertThat(teamOver.overLimit()).isTrue();
    assertThat(userOver.quota()).isFalse();

    assertThat(Verdict.of(List.of(teamOver, orgOk)).overLimit()).isFalse();
    assertThat(Verdict.of(List.of(teamOver, orgOk)).deciding()).isSameAs(teamOver);
    assertThat(Verdict.of(List.of(teamOver, orgOver)).overLimit()).isTrue();
    assertThat(Verdict.of(List.of(teamOver)).overLimit()).isTrue();
    assertThat(Verdict.of(List.of(teamOver, free)).overLimit()).isTrue();
    assertThat(Verdict.of(List.of(teamOver, userOk)).overLimit()).isTrue();
    assertThat(Verdict.of(List.of(orgOk, userOver)).overLimit()).isTrue();

    // global quota mode: every status but the unlimited ones is a quota
    assertThat(Verdict.of(List.of(userOver, userOk, free)).asQuotas().overLimit()).isFalse();
    assertThat(Verdict.of(List.of(userOver, free)).asQuotas().overLimit()).isTrue();
    assertThat(free.asQuota().quota()).isFalse();
    Status none = Status.noRule(Descriptor.of("other", "x"));
    assertThat(Verdict.of(List.of(userOver, none)).asQuotas().overLimit()).isFalse();
  }

  @Test
  void statusesOfEachKind() {
    Status none = Status.noRule(Descriptor.of("other", "x"));
    assertThat(none.limited()).isFalse();
    assertThat(none.overLimit()).isFalse();
    assertThat(none.outcome()).isEqualTo(Outcome.NO_RULE);

    Status free = Status.unlimited(Descriptor.of("free", "x"), match("free"));
    assertThat(free.unlimited()).isTrue();
    assertThat(free.limited()).isFalse();
    assertThat(free.outcome()).isEqualTo(Outcome.UNLIMITED);

    Status blocked = Status.deniesAll(Descriptor.of("blocked", "x"), match("blocked"));
    assertThat(blocked.overLimit()).isTrue();
    assertThat(blocked.deniesAll()).isTrue();
    assertThat(blocked.remaining()).isZero();
    assertThat(blocked.resetAfterMicros()).isEqualTo(1_000_000);
    assertThat(blocked.retryAfterMicros()).isEqualTo(Long.MAX_VALUE);
    assertThat(blocked.limit()).isEqualTo(new Quota("api.blocked", 0, 1_000_000));
    assertThat(blocked.outcome()).isEqualTo(Outcome.OVER_LIMIT);

    Status blockedShadow =
        Status.deniesAll(Descriptor.of("blocked_shadow", "x"), match("blocked_shadow"));
    assertThat(blockedShadow.overLimit()).isFalse();
    assertThat(blockedShadow.resetAfterMicros()).isEqualTo(120_000_000);
    assertThat(blockedShadow.outcome()).isEqualTo(Outcome.SHADOW_OVER_LIMIT);

    Status shadow = decided("shadow", denied(match("shadow"), 200_000));
    assertThat(shadow.shadow()).isTrue();
    assertThat(shadow.overLimit()).isFalse();
    assertThat(shadow.limited()).isTrue();
    assertThat(shadow.outcome()).isEqualTo(Outcome.SHADOW_OVER_LIMIT);

    Status near = decided("user", allowed(match("user"), 0, 6_000_000));
    assertThat(near.outcome()).isEqualTo(Outcome.NEAR_LIMIT);
    assertThat(decided("user", allowed(match("user"), 1, 6_000_000)).outcome())
        .isEqualTo(Outcome.OK);
    assertThat(decided("user", denied(match("user"), 6_000_000)).outcome())
        .isEqualTo(Outcome.OVER_LIMIT);
  }

  @Test
  void nearLimitFollowsTheRatioAsEnvoy() {
    // 10 per minute: use after the request is 10 - remaining; near when over floor(10 × ratio)
    assertThat(decided("user", allowed(match("user"), 2, 1)).outcome(0.8))
        .isEqualTo(Outcome.OK); // 8 used, not over 8
    assertThat(decided("user", allowed(match("user"), 1, 1)).outcome(0.8))
        .isEqualTo(Outcome.NEAR_LIMIT); // 9 used
    assertThat(decided("user", allowed(match("user"), 0, 1)).outcome(0.8))
        .isEqualTo(Outcome.NEAR_LIMIT);
    assertThat(decided("user", allowed(match("user"), 5, 1)).outcome(0.5))
        .isEqualTo(Outcome.OK);
    assertThat(decided("user", allowed(match("user"), 4, 1)).outcome(0.5))
        .isEqualTo(Outcome.NEAR_LIMIT);
    assertThat(decided("user", allowed(match("user"), 9, 1)).outcome(1.0))
        .isEqualTo(Outcome.OK);
    assertThat(decided("user", allowed(match("user"), 0, 1)).outcome(1.0))
        .isEqualTo(Outcome.OK); // never near
    assertThat(decided("user", allowed(match("user"), 9, 1)).outcome(0.0))
        .isEqualTo(Outcome.NEAR_LIMIT); // 1 used is over 0
    // the rest does not depend on it
    assertThat(decided("user", denied(match("user"), 6_000_000)).outcome(0.8))
        .isEqualTo(Outcome.OVER_LIMIT);
    assertThat(Status.noRule(Descriptor.of("other", "x")).outcome(0.8))
        .isEqualTo(Outcome.NO_RULE);
    // the ratio-free outcome() is 0.9's
    for (long remaining = 0; remaining <= 10; remaining++) {
      Status st = decided("user", allowed(match("user"), remaining, 1));
      assertThat(st.outcome()).as("remaining %d", remaining).isEqualTo(st.outcome(0.9));
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
            decided("user", allowed(match("user"), 1, 1)).outcome(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nearLimitRatio must be between 0 and 1: 1.5");
  }

  @Test
  void quotasNameTheRuleLimitElseTheMetricKeyElseTheCoreLimit() {
    assertThat(decided("plan", allowed(match("plan"), 5, 1)).limit())
        .isEqualTo(new Quota("per-plan", 100, 3_600_000_000L));
    assertThat(decided("user", allowed(match("user"), 5, 1)).limit())
        .isEqualTo(new Quota("api.user", 10, 60_000_000));
    Limit plain = Limit.parse("2/minute");
    Limit hourly = Limit.parse("10/hour");
    Status s = Status.of(Decision.allowed(plain, 1, 30_000_000), List.of(plain, hourly));
    assertThat(s.limit()).isEqualTo(new Quota("2/minute", 2, 60_000_000));
    assertThat(s.limits()).containsExactly(new Quota("2/minute", 2, 60_000_000),
        new Quota("10/hour", 10, 3_600_000_000L));
    assertThat(s.descriptor()).isNull();
    assertThat(s.match()).isNull();
  }

  @Test
  void whenDeniedTheOverLimitStatusWithTheLongestWaitDecides() {
    Status user = decided("user", denied(match("user"), 5_000_000));
    Status plan = decided("plan", denied(match("plan"), 9_000_000));
    Status shadow = decided("shadow", denied(match("shadow"), 60_000_000));
    Status ok = decided("user", allowed(match("user"), 0, 90_000_000));
    Verdict v = Verdict.of(List.of(ok, user, shadow, plan));
    assertThat(v.overLimit()).isTrue();
    assertThat(v.allowed()).isFalse();
    assertThat(v.deciding()).isSameAs(plan);
    // a rule that never admits waits longest
    Status blocked = Status.deniesAll(Descriptor.of("blocked", "x"), match("blocked"));
    assertThat(Verdict.of(List.of(plan, blocked)).deciding()).isSameAs(blocked);
  }

  @Test
  void whenAllowedTheFewestRemainingDecidesShadowIncludedTiesGoToTheLaterReset() {
    Status user = decided("user", allowed(match("user"), 4, 6_000_000));
    Status plan = decided("plan", allowed(match("plan"), 4, 36_000_000));
    Status shadow = decided("shadow", denied(match("shadow"), 100_000));
    Status free = Status.unlimited(Descriptor.of("free", "x"), match("free"));
    assertThat(Verdict.of(List.of(free, user, plan)).deciding()).isSameAs(plan);
    Verdict withShadow = Verdict.of(List.of(free, user, plan, shadow));
    assertThat(withShadow.allowed()).isTrue();
    assertThat(withShadow.deciding()).isSameAs(shadow);
    assertThat(withShadow.limited()).containsExactly(user, plan, shadow);
  }

  @Test
  void nothingLimitedDecidesNothing() {
    Verdict v = Verdict.of(List.of(Status.noRule(Descriptor.of("other", "x")),
        Status.unlimited(Descriptor.of("free", "x"), match("free"))));
    assertThat(v.allowed()).isTrue();
    assertThat(v.deciding()).isNull();
    assertThat(Verdict.empty().deciding()).isNull();
  }

  @Test
  void stepsJoinInOrder() {
    Limit plain = Limit.parse("2/minute");
    Status first = Status.of(Decision.allowed(plain, 1, 30_000_000), List.of(plain));
    Status second = decided("user", denied(match("user"), 5_000_000));
    Verdict v = Verdict.of(first).and(Verdict.empty()).and(Verdict.of(second));
    assertThat(v.statuses()).containsExactly(first, second);
    assertThat(v.overLimit()).isTrue();
    assertThat(v.deciding()).isSameAs(second);
    assertThat(Verdict.empty().and(v)).isSameAs(v);
  }

  @Test
  void degradedWhenAnyAnswerWas() {
    RuleMatch m = match("user");
    Status degraded = decided("user",
        Decision.degraded(true, Decision.Reason.BACKEND_UNAVAILABLE, m.coreLimits().get(0)));
    assertThat(degraded.degraded()).isTrue();
    assertThat(Verdict.of(List.of(decided("user", allowed(m, 1, 1)), degraded)).degraded())
        .isTrue();
    assertThat(Verdict.of(decided("user", allowed(m, 1, 1))).degraded()).isFalse();
  }
}
