package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The rules' routes and actions applied to HTTP requests. */
class RoutesTest {

  private static final Routes SHOP = Routes.of(
      RuleLoader.create().load(Path.of("src/test/resources/routes/shop.yaml")));

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void routeActionsBuildDescriptorsFromTheRequest() {
    RequestContext order = RequestContext.builder("post", "/pizza/margherita?size=l")
        .clientAddress("10.0.0.7")
        .header("Authorization", basic("alice", "secret"))
        .build();
    assertThat(SHOP.descriptors("shop", order)).containsExactly(
        Descriptor.of("route", "/pizza", "basic_auth_user", "alice"),
        Descriptor.of("remote_address", "10.0.0.7", "path", "/pizza/margherita"));
    List<RuleMatch> matches = SHOP.match("shop", order);
    assertThat(matches).extracting(RuleMatch::counterKey).containsExactly(
        "shop|route=/pizza|basic_auth_user=alice",
        "shop|remote_address=10.0.0.7|path=/pizza/margherita");
    assertThat(matches.get(0).coreLimits()).containsExactly(
        Limit.builder("3/minute").algorithm(Algorithm.GCRA).build());
  }

  @Test
  void theFirstRouteCoveringMethodAndPathIsUsed() {
    // GET is not covered by the /pizza/** route, so the catch-all route answers; x-tenant is
    // absent and skipped.
    RequestContext get = RequestContext.builder("GET", "/pizza/margherita")
        .clientAddress("10.0.0.7").build();
    assertThat(SHOP.route("shop", get).orElseThrow().path()).isEmpty();
    assertThat(SHOP.descriptors("shop", get)).containsExactly(
        Descriptor.of("remote_address", "10.0.0.7", "path", "/pizza/margherita"));
    RequestContext tenant = RequestContext.builder("GET", "/x").clientAddress("10.0.0.7")
        .header("X-Tenant", "t1").build();
    assertThat(SHOP.descriptors("shop", tenant)).containsExactly(
        Descriptor.of("remote_address", "10.0.0.7", "tenant", "t1", "path", "/x"));
  }

  @Test
  void aDescriptorWhoseActionCannotApplyIsDropped() {
    RequestContext anonymous = RequestContext.builder("PUT", "/pizza/x").build();
    // No Authorization header and no client address: both descriptors are dropped.
    assertThat(SHOP.descriptors("shop", anonymous)).isEmpty();
    assertThat(SHOP.match("shop", anonymous)).isEmpty();
  }

  @Test
  void singleSegmentWildcardsHeadersAndHeaderValueMatch() {
    RequestContext mobile = RequestContext.builder("GET", "/api/v1/items")
        .header("x-api-key", "k1")
        .header("User-Agent", "Mozilla/5.0 (iPhone) Mobile Safari")
        .build();
    assertThat(SHOP.descriptors("shop", mobile)).containsExactly(
        Descriptor.of("api_key", "k1"), Descriptor.of("header_match", "mobile"));
    assertThat(SHOP.match("shop", mobile)).extracting(m -> m.limits().get(0).requestsPerUnit())
        .containsExactly(100L, 7L);

    RequestContext desktop = RequestContext.builder("GET", "/api/v1/items")
        .header("X-User", "bob").header("User-Agent", "Desktop").build();
    assertThat(SHOP.descriptors("shop", desktop)).containsExactly(Descriptor.of("user", "bob"));

    // '*' does not cross '/': this path falls through to the catch-all route.
    RequestContext deeper = RequestContext.builder("GET", "/api/v1/x/items")
        .clientAddress("10.0.0.1").header("x-api-key", "k1").build();
    assertThat(SHOP.descriptors("shop", deeper)).containsExactly(
        Descriptor.of("remote_address", "10.0.0.1", "path", "/api/v1/x/items"));
  }

  @Test
  void headerValueMatchVariants() {
    Routes rules = Routes.of(RuleLoader.create()
        .load(Path.of("src/test/resources/routes/header_match.yaml")));
    RequestContext internalProd = RequestContext.builder("GET", "/match?q")
        .header("X-Internal", "1").header("X-Env", "prod").header("X-Version", "beta2")
        .header("Host", "svc").build();
    assertThat(rules.descriptors("headers", internalProd)).containsExactly(
        Descriptor.of("header_match", "internal"),
        Descriptor.of("method", "GET", "target", "/match?q", "host", "svc"));

    RequestContext external = RequestContext.builder("GET", "/match")
        .header("X-Env", "prod").header("X-Version", "1.0").header("Host", "svc").build();
    assertThat(rules.descriptors("headers", external)).containsExactly(
        Descriptor.of("external", "yes"),
        Descriptor.of("header_match", "not-beta"),
        Descriptor.of("method", "GET", "target", "/match", "host", "svc"));

    RequestContext internalDev = RequestContext.builder("GET", "/match")
        .header("X-Internal", "1").header("X-Env", "dev").build();
    // Regex must match the whole value; the missing Host drops the last descriptor.
    assertThat(rules.descriptors("headers", internalDev)).containsExactly(
        Descriptor.of("header_match", "not-beta"));
  }

  @Test
  void routesToUnknownDomainsYieldNothing() {
    RequestContext request = RequestContext.builder("GET", "/").build();
    assertThat(SHOP.descriptors("nope", request)).isEmpty();
    assertThat(SHOP.match("nope", request)).isEmpty();
    assertThat(SHOP.route("nope", request)).isEmpty();
  }

  @Test
  void followingCompilesAgainOnlyForAnotherRuleSet() {
    RuleSet first = RuleLoader.create().parse(Map.of("a.yaml", """
        domain: a
        routes:
          - path: /x
            rate_limits: [{actions: [{generic_key: {descriptor_value: x}}]}]
        descriptors:
          - {key: generic_key, rate_limit: {unit: second, requests_per_unit: 1}}
        """));
    RuleSet second = RuleLoader.create().parse(Map.of("a.yaml", """
        domain: a
        routes:
          - path: /y
            rate_limits: [{actions: [{generic_key: {descriptor_value: y}}]}]
        descriptors:
          - {key: generic_key, rate_limit: {unit: second, requests_per_unit: 1}}
        """));
    AtomicReference<RuleSet> holder = new AtomicReference<>(first);
    Supplier<Routes> routes = Routes.following(holder::get);
    Routes compiled = routes.get();
    assertThat(routes.get()).isSameAs(compiled);
    RequestContext y = RequestContext.builder("GET", "/y").build();
    assertThat(compiled.descriptors("a", y)).isEmpty();
    holder.set(second);
    assertThat(routes.get()).isNotSameAs(compiled);
    assertThat(routes.get().descriptors("a", y))
        .containsExactly(Descriptor.of("generic_key", "y"));
    assertThat(routes.get().rules()).isSameAs(second);
  }
}
