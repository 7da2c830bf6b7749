package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sluice's optional extensions: limits mapped to core Limits, and routes with actions as declared
 * (applied to requests in sluice-http's RoutesTest).
 */
class ExtensionsTest {

  private static final String DIR = "src/test/resources/extensions/";
  private static final RuleSet SHOP = RuleLoader.create().load(Path.of(DIR + "shop.yaml"));

  @Test
  void severalLimitsWithAlgorithmAndBurstMapToCoreLimits() {
    RuleMatch m = SHOP.match("shop", Descriptor.of("user", "42")).orElseThrow();
    assertThat(m.coreLimits()).containsExactly(
        Limit.builder("10/second").algorithm(Algorithm.TOKEN_BUCKET).burst(20).build(),
        Limit.builder("1000/day").algorithm(Algorithm.FIXED_WINDOW).build());
    assertThat(m.limits().get(0).burst()).hasValue(20);
    assertThat(m.limits().get(1).burst()).isEmpty();
    assertThat(m.limits().get(1).algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
  }

  @Test
  void unitMultiplierAlgorithmNamesQuotaModeAndMetadata() {
    RuleMatch m = SHOP.match("shop", Descriptor.of("api_key", "k1")).orElseThrow();
    RuleLimit l = m.limits().get(0);
    assertThat(l.unitMultiplier()).isEqualTo(5);
    assertThat(l.limit()).contains(
        Limit.builder("100 per 5 minutes").algorithm(Algorithm.SLIDING_WINDOW_LOG).build());
    assertThat(m.quotaMode()).isTrue();
    assertThat(m.metadata()).isEqualTo(Map.of(
        "service_with_quota", Map.of("name", "service_2"),
        "weight", 3L, "ratio", 0.5, "tags", List.of("a", "b"), "enabled", true));
  }

  @Test
  void routesRenderInTheTree() {
    assertThat(SHOP.render()).contains(
        "  route POST,PUT /pizza/**\n"
            + "    descriptor: generic_key route=/pizza, basic_auth_user -> basic_auth_user\n"
            + "    descriptor: remote_address -> remote_address, path -> path\n"
            + "  route GET /api/*/items\n"
            + "    descriptor: api_key(X-Api-Key) -> api_key\n"
            + "    descriptor: request_headers(x-user) -> user\n"
            + "    descriptor: header_value_match(user-agent contains_match Mobile)"
            + " -> header_match=mobile\n"
            + "  route * /**\n");
  }

  @Test
  void routeProblemsAreReportedWithTheirPaths() {
    InvalidRulesException e = catchThrowableOfType(InvalidRulesException.class,
        () -> RuleLoader.create().load(Path.of(DIR + "route_errors.yaml")));
    String f = DIR + "route_errors.yaml:";
    assertThat(e.errors()).extracting(RuleError::toString).containsExactly(
        f + "3:11: routes > routes[0]: path must start with '/', was 'api/*'",
        f + "4:19: routes > routes[0]: invalid HTTP method 'PO ST'",
        f + "7:13: routes > routes[0] > rate_limits[0].actions[0]: config error, unknown key"
            + " 'remote_adress'; did you mean 'remote_address'?",
        f + "8:30: routes > routes[0] > rate_limits[0].actions[1].request_headers: header_name"
            + " is missing",
        f + "9:13: routes > routes[0] > rate_limits[0].actions[2]: an action has exactly one"
            + " type, found generic_key and path",
        f + "14:19: routes > routes[0] > rate_limits[0].actions[3].header_value_match.headers[0]:"
            + " a header matcher has at most one of exact_match, prefix_match, suffix_match,"
            + " contains_match, present_match, safe_regex_match",
        f + "17:18: routes > routes[1]: a route needs rate_limits: a list of {actions: [...]}");
  }

  @Test
  void consistencyIsReadPerDescriptorAndNotInherited() {
    RuleSet set = RuleLoader.create().parse(Map.of("c.yaml", """
        domain: c
        descriptors:
          - key: tenant
            rate_limit: {unit: second, requests_per_unit: 100}
            consistency: Eventual
            descriptors:
              - key: user
                rate_limit: {unit: second, requests_per_unit: 10}
          - key: api
            rate_limit: {unit: second, requests_per_unit: 5}
            consistency: consistent
        """));
    assertThat(set.match("c", Descriptor.of("tenant", "t")).orElseThrow().consistency())
        .hasValue(Consistency.EVENTUAL);
    assertThat(set.match("c", Descriptor.of("api", "a")).orElseThrow().consistency())
        .hasValue(Consistency.CONSISTENT);
    assertThat(set.match("c", Descriptor.of("tenant", "t", "user", "u")).orElseThrow()
        .consistency()).isEmpty();
    assertThat(set.render()).contains("[consistency: eventual]")
        .contains("[consistency: consistent]");
  }

  /**
   * envoy accepts any uint32 count; a fixed window has no bound on it beyond 2^53. The limit is
   * built once with every field, never validated first as the token bucket it is not.
   */
  @Test
  void aLargeEnvoyCountLoadsAsTheFixedWindowItIs() {
    RuleSet set = RuleLoader.create().parse(Map.of("big.yaml", """
        domain: big
        descriptors:
          - key: k
            rate_limit: {unit: second, requests_per_unit: 999999937}
        """));
    assertThat(set.match("big", Descriptor.of("k", "v")).orElseThrow().coreLimits())
        .singleElement().satisfies(l -> {
          assertThat(l.count()).isEqualTo(999_999_937L);
          assertThat(l.algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
        });
    InvalidRulesException e = catchThrowableOfType(InvalidRulesException.class,
        () -> RuleLoader.create().parse(Map.of("bucket.yaml", """
            domain: bucket
            descriptors:
              - key: k
                rate_limit: {unit: second, requests_per_unit: 999999937, algorithm: token_bucket}
            """)));
    assertThat(e).as("as a token bucket the same count is out of exact range").isNotNull();
    assertThat(e.errors().toString()).contains("2^53");
  }
}
