package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.http.HeaderStyle;
import dev.sluice.http.OnMissingKey;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The filter in a real Tomcat, called over HTTP from 127.0.0.1. */
class SluiceFilterTest {

  private EmbeddedTomcat server;

  private EmbeddedTomcat start(SluiceFilter filter) throws Exception {
    server = new EmbeddedTomcat().servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .filter(filter).start();
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void xRateLimitHeadersOnEveryResponseAndAProblemOn429() throws Exception {
    start(SluiceFilter.builder().limits("2 per minute").build());

    HttpResponse<String> first = server.get("/a");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("ok 127.0.0.1");
    assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
    assertThat(first.headers().firstValue("X-RateLimit-Reset")).hasValue("30");
    assertThat(first.headers().firstValue("Retry-After")).isEmpty();
    assertThat(server.get("/b").headers().firstValue("X-RateLimit-Remaining")).hasValue("0");

    HttpResponse<String> denied = server.get("/c");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    long retry = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retry).isBetween(29L, 30L);
    assertThat(denied.body()).startsWith("{\"type\":\"about:blank\","
        + "\"title\":\"Too Many Requests\",\"status\":429,"
        + "\"detail\":\"Rate limit 2/minute exceeded; retry after ")
        .endsWith(",\"retryAfter\":" + retry + "}");
  }

  @Test
  void ietfHeadersNameEveryPolicyAndTheDecidingOne() throws Exception {
    start(SluiceFilter.builder().limits("2/minute;10/hour").headers(HeaderStyle.IETF).build());

    HttpResponse<String> r = server.get("/");
    assertThat(r.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"2/minute\";q=2;w=60, \"10/hour\";q=10;w=3600");
    assertThat(r.headers().firstValue("RateLimit")).hasValue("\"2/minute\";r=1;t=30");
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    server.get("/");
    HttpResponse<String> denied = server.get("/");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("RateLimit")).hasValueSatisfying(
        v -> assertThat(v).startsWith("\"2/minute\";r=0;t="));
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void headersCanBeLeftOffAllowedResponsesOrEverywhere() throws Exception {
    start(SluiceFilter.builder().limits("1/minute").headersOnAllowed(false).build());
    assertThat(server.get("/").headers().map()).doesNotContainKey("x-ratelimit-limit");
    assertThat(server.get("/").headers().firstValue("X-RateLimit-Limit")).hasValue("1");
    server.close();

    start(SluiceFilter.builder().limits("1/minute").headers(HeaderStyle.NONE).build());
    assertThat(server.get("/").headers().map())
        .doesNotContainKeys("x-ratelimit-limit", "ratelimit");
    HttpResponse<String> denied = server.get("/");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().map()).doesNotContainKeys("x-ratelimit-limit", "retry-after");
  }

  @Test
  void theSeedsBodyReplacesTheProblem() throws Exception {
    start(SluiceFilter.builder().limits("1/minute")
        .denialBody("{\"detail\": \"You've reached the limit!\", \"retry_after\": {retryAfter}}")
        .build());
    server.get("/");
    HttpResponse<String> denied = server.get("/");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("application/json"));
    assertThat(denied.body()).matches(
        "\\{\"detail\": \"You've reached the limit!\", \"retry_after\": (59|60)}");
  }

  @Test
  void aSpoofedForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
    start(SluiceFilter.builder().limits("1/minute").trustedProxies("10.0.0.0/8").build());
    HttpResponse<String> first = server.get("/", "X-Forwarded-For", "203.0.113.1");
    assertThat(first.body()).isEqualTo("ok 127.0.0.1");
    HttpResponse<String> second = server.get("/", "X-Forwarded-For", "203.0.113.2",
        "Forwarded", "for=203.0.113.3");
    assertThat(second.statusCode()).isEqualTo(429);
  }

  @Test
  void aTrustedProxysForwardedForNamesTheClient() throws Exception {
    start(SluiceFilter.builder().limits("1/minute").trustedProxies("127.0.0.1", "10.0.0.0/8")
        .build());
    // the client forged the leftmost hop; the proxies appended the real one (198.51.100.7)
    HttpResponse<String> a = server.get("/", "X-Forwarded-For", "1.1.1.1, 198.51.100.7, 10.1.2.3");
    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(a.body()).isEqualTo("ok 198.51.100.7");
    assertThat(server.get("/", "X-Forwarded-For", "9.9.9.9, 198.51.100.7").statusCode())
        .isEqualTo(429);
    HttpResponse<String> other = server.get("/", "Forwarded", "for=\"[2001:db8::1]:4711\"");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.body()).isEqualTo("ok 2001:db8::1");
  }

  @Test
  void basicAuthUsersCountSeparatelyAndBadCredentialsFallBackToTheAddress() throws Exception {
    start(SluiceFilter.builder().limits("1/minute").key("user").build());
    assertThat(server.get("/", "Authorization", basic("alice", "x")).statusCode()).isEqualTo(200);
    assertThat(server.get("/", "Authorization", basic("bob", "y")).statusCode()).isEqualTo(200);
    assertThat(server.get("/", "Authorization", basic("alice", "z")).statusCode()).isEqualTo(429);
    // missing and malformed credentials: counted under the client address, never a 500
    assertThat(server.get("/").statusCode()).isEqualTo(200);
    assertThat(server.get("/", "Authorization", "Basic %%%not-base64").statusCode())
        .isEqualTo(429);
    assertThat(server.get("/", "Authorization", "Bearer abc").statusCode()).isEqualTo(429);
  }

  @Test
  void missingCredentialsCanBeRefusedWith401() throws Exception {
    start(SluiceFilter.builder().limits("5/minute").key("user")
        .onMissingKey(OnMissingKey.REJECT).build());
    HttpResponse<String> r = server.get("/", "Authorization", "Basic !!!");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).startsWith("Basic realm="));
    assertThat(r.body()).contains("\"status\":401");
    assertThat(server.get("/", "Authorization", basic("alice", "x")).statusCode()).isEqualTo(200);
  }

  @Test
  void apiKeysCountSeparately() throws Exception {
    start(SluiceFilter.builder().limits("1/minute").key("api-key").apiKeyHeader("X-Key").build());
    assertThat(server.get("/", "X-Key", "k1").statusCode()).isEqualTo(200);
    assertThat(server.get("/", "X-Key", "k2").statusCode()).isEqualTo(200);
    assertThat(server.get("/", "X-Key", " k1 ").statusCode()).isEqualTo(429);
  }

  @Test
  void routesCanCostMoreThanOnePermit() throws Exception {
    start(SluiceFilter.builder().limits("5 per 10 seconds").key("ip")
        .cost("/search/**", 3).cost("/free", 0).build());
    assertThat(server.get("/search/pizza").headers().firstValue("X-RateLimit-Remaining"))
        .hasValue("2");
    assertThat(server.get("/free").headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    assertThat(server.get("/search/pasta").statusCode()).isEqualTo(429);
    assertThat(server.get("/home").headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
  }

  @RateLimited("2/minute")
  static class Limited extends EmbeddedTomcat.Hello {
    @Override
    @RateLimited(value = "3/minute", cost = 2)
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      super.doPost(req, resp);
    }
  }

  @Test
  void annotatedServletsGetTheirOwnLimits() throws Exception {
    server = new EmbeddedTomcat()
        .servlet("hello", new EmbeddedTomcat.Hello(), "/")
        .servlet("limited", new Limited(), "/limited/*")
        .filter(SluiceFilter.builder().build()).start();
    for (int i = 0; i < 5; i++) {
      assertThat(server.get("/open").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> post = server.send("POST", "/limited/x");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");  // cost 2 of 3
    assertThat(server.send("POST", "/limited/x").statusCode()).isEqualTo(429);
    HttpResponse<String> get = server.get("/limited/y");
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
    assertThat(server.get("/limited/y").statusCode()).isEqualTo(200);
    assertThat(server.get("/limited/y").statusCode()).isEqualTo(429);
  }

  @RateLimited("two per minute")
  static class Misconfigured extends EmbeddedTomcat.Hello {}

  @Test
  void aBadAnnotationStopsTheApplicationAtStart() throws Exception {
    server = new EmbeddedTomcat().servlet("bad", new Misconfigured(), "/*")
        .filter(SluiceFilter.builder().build()).start();
    assertThat(server.available()).isFalse();
  }

  @Test
  void rulesDecidePerRouteAndUser() throws Exception {
    RuleSet rules = RuleLoader.create().parse(Map.of("shop.yaml", """
        domain: shop
        routes:
          - path: /pizza/**
            rate_limits:
              - actions:
                  - generic_key: {descriptor_key: route, descriptor_value: pizza}
                  - basic_auth_user: {}
          - path: /free
            rate_limits:
              - actions:
                  - generic_key: {descriptor_key: route, descriptor_value: free}
        descriptors:
          - key: route
            value: pizza
            descriptors:
              - key: basic_auth_user
                rate_limit: {unit: minute, requests_per_unit: 2, name: pizza_per_user}
          - key: route
            value: free
            rate_limit: {unlimited: true}
        """));
    start(SluiceFilter.builder().rules(rules, "shop").build());
    String alice = basic("alice", "pw");
    HttpResponse<String> first = server.get("/pizza/1", "Authorization", alice);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
    assertThat(server.get("/pizza/2", "Authorization", alice).statusCode()).isEqualTo(200);
    HttpResponse<String> denied = server.get("/pizza/3", "Authorization", alice);
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).contains("pizza_per_user");
    assertThat(server.get("/pizza/1", "Authorization", basic("bob", "pw")).statusCode())
        .isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> free = server.get("/free");
      assertThat(free.statusCode()).isEqualTo(200);
      assertThat(free.headers().map()).doesNotContainKey("x-ratelimit-limit");
    }
  }

  private static final String SHARED_AND_PER_USER = """
      domain: shop
      routes:
        - path: /order
          rate_limits:
            - actions:
                - generic_key: {descriptor_key: route, descriptor_value: order}
            - actions:
                - basic_auth_user: {}
      descriptors:
        - key: route
          value: order
          rate_limit: {unit: minute, requests_per_unit: 3, name: orders}
        - key: basic_auth_user
          rate_limit: {unit: minute, requests_per_unit: 1, name: per_user}
      """;

  /** Alice twice (refused the second time by her own limit), then three more users. */
  private int othersAdmittedAfterARefusal() throws Exception {
    String alice = basic("alice", "pw");
    assertThat(server.get("/order", "Authorization", alice).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = server.get("/order", "Authorization", alice);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).contains("per_user");
    int admitted = 0;
    for (String user : new String[] {"bob", "carol", "dave"}) {
      if (server.get("/order", "Authorization", basic(user, "pw")).statusCode() == 200) {
        admitted++;
      }
    }
    return admitted;
  }

  @Test
  void aRouteOfSeveralDescriptorsIsAllOrNothing() throws Exception {
    RuleSet rules = RuleLoader.create().parse(Map.of("shop.yaml", SHARED_AND_PER_USER));
    start(SluiceFilter.builder().rules(rules, "shop").build());
    // alice's refusal took nothing from the shared 3 per minute: two more users fit
    assertThat(othersAdmittedAfterARefusal()).isEqualTo(2);
  }

  @Test
  void descriptorCountingEachCountsEveryDescriptorAsEnvoyDoes() throws Exception {
    Path file = Files.createTempFile("shop", ".yaml");
    try {
      Files.writeString(file, SHARED_AND_PER_USER);
      server = new EmbeddedTomcat().servlet("hello", new EmbeddedTomcat.Hello(), "/*")
          .filter(SluiceFilter.class, Map.of("rules", file.toString(),
              "descriptor-counting", "each"))
          .start();
      // alice's refusal still took one of the shared 3: one more user fits
      assertThat(othersAdmittedAfterARefusal()).isEqualTo(1);
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void initParamsConfigureAFilterDeclaredByClass() throws Exception {
    server = new EmbeddedTomcat().servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .filter(SluiceFilter.class, Map.of("limits", "1/minute", "key", "header:X-Tenant",
            "headers", "both", "denial-body", "{\"error\": \"slow down\"}"))
        .start();
    HttpResponse<String> ok = server.get("/", "X-Tenant", "acme");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("RateLimit")).isPresent();
    assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
    HttpResponse<String> denied = server.get("/", "X-Tenant", "acme");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).isEqualTo("{\"error\": \"slow down\"}");
  }

  @Test
  void aBadInitParamStopsTheApplicationAtStart() throws Exception {
    server = new EmbeddedTomcat().servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .filter(SluiceFilter.class, Map.of("headers", "fancy")).start();
    assertThat(server.available()).isFalse();
  }
}
