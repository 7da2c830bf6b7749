package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example configurations of envoyproxy/ratelimit's README load unchanged and behave as the
 * README describes.
 */
class EnvoyReadmeExamplesTest {

  private static final Path DIR = Path.of("src/test/resources/envoy-readme");

  private static RuleSet load(String file) {
    return RuleLoader.create().load(DIR.resolve(file));
  }

  private static Optional<RuleMatch> match(RuleSet rules, String domain, String... keysAndValues) {
    return rules.match(domain, Descriptor.of(keysAndValues));
  }

  private static long requestsPerUnit(Optional<RuleMatch> m) {
    assertThat(m).isPresent();
    assertThat(m.get().limits()).hasSize(1);
    return m.get().limits().get(0).requestsPerUnit();
  }

  @ParameterizedTest
  @ValueSource(strings = {"example1.yaml", "example2.yaml", "example3.yaml",
      "example4-not-matching.yaml", "example4-matching.yaml", "example5.yaml", "example6.yaml",
      "example7.yaml", "example8.yaml", "example9.yaml", "descriptor-list-definition.yaml"})
  void everyReadmeExampleIsAccepted(String file) {
    assertThat(load(file).domains()).hasSize(1);
  }

  @Test
  void example1TwoValuesOfOneKeyEachGet500PerSecond() {
    RuleSet rules = load("example1.yaml");
    RuleMatch users = match(rules, "mongo_cps", "database", "users").orElseThrow();
    assertThat(users.limits().get(0).limit()).contains(
        Limit.builder("500/second").algorithm(Algorithm.FIXED_WINDOW).build());
    assertThat(requestsPerUnit(match(rules, "mongo_cps", "database", "default"))).isEqualTo(500);
    assertThat(match(rules, "mongo_cps", "database", "other")).isEmpty();
    assertThat(match(rules, "other_domain", "database", "users")).isEmpty();
  }

  @Test
  void example2NestedAndBareKeyLimits() {
    RuleSet rules = load("example2.yaml");
    Optional<RuleMatch> marketing =
        match(rules, "messaging", "message_type", "marketing", "to_number", "2061111111");
    assertThat(requestsPerUnit(marketing)).isEqualTo(5);
    assertThat(marketing.get().limits().get(0).unit()).isEqualTo(Limit.Unit.DAY);
    assertThat(requestsPerUnit(match(rules, "messaging", "to_number", "2061111111")))
        .isEqualTo(100);
    // Each number has its own counter: the counter key carries the request's value.
    assertThat(marketing.get().counterKey())
        .isEqualTo("messaging|message_type=marketing|to_number=2061111111");
    assertThat(match(rules, "messaging", "message_type", "marketing", "to_number", "2062222222")
        .orElseThrow().counterKey())
        .isEqualTo("messaging|message_type=marketing|to_number=2062222222");
    // The placeholder (message_type, marketing) alone has no limit.
    assertThat(match(rules, "messaging", "message_type", "marketing")).isEmpty();
    // Both descriptors of the README's request are limited, independently.
    List<Optional<RuleMatch>> both = rules.matchAll("messaging", List.of(
        Descriptor.of("message_type", "marketing", "to_number", "2061111111"),
        Descriptor.of("to_number", "2061111111")));
    assertThat(both).extracting(m -> m.orElseThrow().limits().get(0).requestsPerUnit())
        .containsExactly(5L, 100L);
  }

  @Test
  void example3ExactValueBeatsBareKeyAndZeroDeniesAll() {
    RuleSet rules = load("example3.yaml");
    RuleMatch any = match(rules, "edge_proxy_per_ip", "remote_address", "50.0.0.1").orElseThrow();
    assertThat(any.limits().get(0).requestsPerUnit()).isEqualTo(10);
    assertThat(any.deniesAll()).isFalse();
    RuleMatch banned =
        match(rules, "edge_proxy_per_ip", "remote_address", "50.0.0.5").orElseThrow();
    assertThat(banned.deniesAll()).isTrue();
    assertThat(banned.limits().get(0).limit()).isEmpty();
    assertThat(banned.coreLimits()).isEmpty();
  }

  @Test
  void example4MatchesOnlyAtTheDepthWhereTheRequestEnds() {
    RuleSet shallow = load("example4-not-matching.yaml");
    assertThat(match(shallow, "example4", "key", "value", "subkey", "subvalue")).isEmpty();
    assertThat(requestsPerUnit(match(shallow, "example4", "key", "value"))).isEqualTo(300);

    RuleSet deep = load("example4-matching.yaml");
    assertThat(requestsPerUnit(match(deep, "example4", "key", "value", "subkey", "subvalue")))
        .isEqualTo(300);
    assertThat(match(deep, "example4", "key", "value")).isEmpty();
  }

  @Test
  void example5UnlimitedDescriptor() {
    RuleSet rules = load("example5.yaml");
    RuleMatch ldap = match(rules, "internal", "ldap", "anything").orElseThrow();
    assertThat(ldap.unlimited()).isTrue();
    assertThat(ldap.limits()).isEmpty();
    RuleMatch azure = match(rules, "internal", "azure", "x").orElseThrow();
    assertThat(azure.unlimited()).isFalse();
    assertThat(azure.limits().get(0).requestsPerUnit()).isEqualTo(100);
  }

  @Test
  void example6ShadowModeOnlyForUserA() {
    RuleSet rules = load("example6.yaml");
    RuleMatch a = match(rules, "example6", "service", "auth-service", "user", "user-a")
        .orElseThrow();
    assertThat(a.shadowMode()).isTrue();
    assertThat(a.limits().get(0).requestsPerUnit()).isEqualTo(10);
    RuleMatch b = match(rules, "example6", "service", "auth-service", "user", "user-b")
        .orElseThrow();
    assertThat(b.shadowMode()).isFalse();
    assertThat(b.limits().get(0).requestsPerUnit()).isEqualTo(20);
  }

  @Test
  void example7ReplacesDropsTheNamedLimitOnlyWhenBothMatch() {
    RuleSet rules = load("example7.yaml");
    Descriptor one = Descriptor.of("key_1", "value_1", "user", "bkthomps");
    Descriptor two = Descriptor.of("key_2", "value_2", "user", "bkthomps");
    assertThat(rules.matchAll("example7", List.of(one)))
        .extracting(m -> m.orElseThrow().limits().get(0).requestsPerUnit()).containsExactly(5L);
    assertThat(rules.matchAll("example7", List.of(two)))
        .extracting(m -> m.orElseThrow().limits().get(0).requestsPerUnit()).containsExactly(10L);
    List<Optional<RuleMatch>> both = rules.matchAll("example7", List.of(one, two));
    assertThat(both.get(0)).isEmpty();
    assertThat(both.get(1).orElseThrow().limits().get(0).requestsPerUnit()).isEqualTo(10);
  }

  @Test
  void example8DetailedMetricNamesTheRequestValue() {
    RuleSet rules = load("example8.yaml");
    RuleMatch unspecified = match(rules, "example8", "key1", "unspecified_value").orElseThrow();
    assertThat(unspecified.limits().get(0).requestsPerUnit()).isEqualTo(10);
    assertThat(unspecified.metricKey()).isEqualTo("example8.key1_unspecified_value");
    assertThat(match(rules, "example8", "key1", "unspecified_value2").orElseThrow().metricKey())
        .isEqualTo("example8.key1_unspecified_value2");
    RuleMatch value1 = match(rules, "example8", "key1", "value1").orElseThrow();
    assertThat(value1.limits().get(0).requestsPerUnit()).isEqualTo(20);
    assertThat(value1.metricKey()).isEqualTo("example8.key1_value1");
  }

  @Test
  void example9WildcardValueMatchesByPrefixWithOneCounterPerValue() {
    RuleSet rules = load("example9.yaml");
    RuleMatch v1 = match(rules, "example9", "key1", "value_1").orElseThrow();
    RuleMatch v2 = match(rules, "example9", "key1", "value_2").orElseThrow();
    assertThat(v1.rule()).isSameAs(v2.rule());
    assertThat(v1.limits().get(0).requestsPerUnit()).isEqualTo(20);
    assertThat(v1.counterKey()).isEqualTo("example9|key1=value_1");
    assertThat(v2.counterKey()).isEqualTo("example9|key1=value_2");
    assertThat(v1.metricKey()).isEqualTo("example9.key1_value*");
    assertThat(match(rules, "example9", "key1", "other")).isEmpty();
  }

  @Test
  void theAnnotatedFormatMapsEveryField() {
    RuleSet rules = load("descriptor-list-definition.yaml");
    DescriptorRule rule = rules.domain("format").orElseThrow().descriptors().get(0);
    RuleLimit limit = rule.rateLimit().orElseThrow().limits().get(0);
    assertThat(limit.name()).contains("the_name");
    assertThat(limit.replaces()).containsExactly("other_name");
    assertThat(limit.limit()).contains(
        Limit.builder("42/hour").algorithm(Algorithm.FIXED_WINDOW).name("the_name").build());
    RuleLimit nested = rule.descriptors().get(0).rateLimit().orElseThrow().limits().get(0);
    assertThat(nested.unit()).isEqualTo(Limit.Unit.WEEK);
    assertThat(nested.limit().orElseThrow().periodMicros()).isEqualTo(7 * 86_400_000_000L);
  }
}
