package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Limit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RuleSet#matchAll(String, List, List)}: a request's own limit for a descriptor. */
class LimitOverrideMatchTest {

  @TempDir static Path dir;
  static RuleSet rules;

  @BeforeAll
  static void load() throws IOException {
    Path f = dir.resolve("api.yaml");
    Files.writeString(f, """
        domain: api
        descriptors:
          - key: user
            shadow_mode: true
            rate_limit: {unit: minute, requests_per_unit: 3, name: per-user}
          - key: plan
            rate_limit: {unit: hour, requests_per_unit: 9, replaces: [{name: per-user}]}
          - key: path
            value: "/api/*"
            share_threshold: true
            rate_limit: {unit: second, requests_per_unit: 1}
        """);
    rules = RuleLoader.create().load(f);
  }

  static List<Optional<RuleMatch>> match(String domain, List<Descriptor> ds,
      LimitOverride... overrides) {
    return rules.matchAll(domain, ds, Arrays.asList(overrides));
  }

  @Test
  void overrideReplacesTheRuleAndItsFlags() {
    Descriptor user = Descriptor.of("user", "alice");
    RuleMatch m = match("api", List.of(user), new LimitOverride(5, Limit.Unit.HOUR)).get(0)
        .orElseThrow();
    assertThat(m.limits()).hasSize(1);
    assertThat(m.limits().get(0).requestsPerUnit()).isEqualTo(5);
    assertThat(m.limits().get(0).unit()).isEqualTo(Limit.Unit.HOUR);
    assertThat(m.limits().get(0).name()).isEmpty();
    assertThat(m.coreLimits().get(0).count()).isEqualTo(5);
    assertThat(m.coreLimits().get(0).periodMicros()).isEqualTo(Limit.Unit.HOUR.micros());
    assertThat(m.shadowMode()).isFalse();
    assertThat(m.unlimited()).isFalse();
    assertThat(m.metricKey()).isEqualTo("api.user_alice");
    assertThat(m.counterKey()).isEqualTo("api|user=alice|~HOUR/5")
        .isNotEqualTo(rules.match("api", user).orElseThrow().counterKey());
  }

  @Test
  void overrideAppliesWithoutARuleButNotInAnUnknownDomain() {
    Descriptor d = Descriptor.of("tenant", "acme", "tier", "");
    RuleMatch m = match("api", List.of(d), new LimitOverride(2, Limit.Unit.DAY)).get(0)
        .orElseThrow();
    assertThat(m.metricKey()).isEqualTo("api.tenant_acme.tier");
    assertThat(m.counterKey()).isEqualTo("api|tenant=acme|tier=|~DAY/2");
    assertThat(match("other", List.of(d), new LimitOverride(2, Limit.Unit.DAY)).get(0)).isEmpty();
  }

  @Test
  void overrideCountsUnderTheValueNotASharedWildcard() {
    RuleMatch m = match("api", List.of(Descriptor.of("path", "/api/x")),
        new LimitOverride(1, Limit.Unit.SECOND)).get(0).orElseThrow();
    assertThat(m.counterKey()).isEqualTo("api|path=/api/x|~SECOND/1");
  }

  @Test
  void differentOverridesCountUnderDifferentKeys() {
    Descriptor d = Descriptor.of("user", "bob");
    String a = match("api", List.of(d), new LimitOverride(1, Limit.Unit.HOUR)).get(0)
        .orElseThrow().counterKey();
    String b = match("api", List.of(d), new LimitOverride(1, Limit.Unit.DAY)).get(0)
        .orElseThrow().counterKey();
    String c = match("api", List.of(d), new LimitOverride(2, Limit.Unit.HOUR)).get(0)
        .orElseThrow().counterKey();
    assertThat(List.of(a, b, c)).doesNotHaveDuplicates();
  }

  @Test
  void anOverriddenDescriptorsReplacesDoNotApply() {
    List<Descriptor> ds = List.of(Descriptor.of("user", "carol"), Descriptor.of("plan", "p"));
    // without overrides, plan's replaces removes per-user
    assertThat(rules.matchAll("api", ds).get(0)).isEmpty();
    List<Optional<RuleMatch>> m = match("api", ds, null, new LimitOverride(4, Limit.Unit.HOUR));
    assertThat(m.get(0)).isPresent();
    assertThat(m.get(0).orElseThrow().limits().get(0).name()).contains("per-user");
    assertThat(m.get(1).orElseThrow().limits().get(0).requestsPerUnit()).isEqualTo(4);
  }

  @Test
  void zeroDeniesAllAndSizesMustAgree() {
    RuleMatch m = match("api", List.of(Descriptor.of("x", "y")),
        new LimitOverride(0, Limit.Unit.SECOND)).get(0).orElseThrow();
    assertThat(m.deniesAll()).isTrue();
    assertThat(m.coreLimits()).isEmpty();
    assertThatThrownBy(() -> rules.matchAll("api", List.of(Descriptor.of("x", "y")), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LimitOverride(-1, Limit.Unit.SECOND))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
