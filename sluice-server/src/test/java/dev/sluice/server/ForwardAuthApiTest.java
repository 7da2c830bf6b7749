package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/authorize/{domain}} of a real server over real sockets, asked as a gateway asks:
 * the original request in the forwarded headers. This test's client is on 127.0.0.1, a trusted
 * proxy of {@link #trusted} and not of {@link #untrusted}. The limits are per-minute fixed
 * windows on this host's clock: tests that count wait until their requests fall into one.
 */
class ForwardAuthApiTest {

  static final String RULES = """
      domain: gw
      descriptors:
        - key: client
          rate_limit: {unit: minute, requests_per_unit: 2}
        - key: remote_address
          rate_limit: {unit: minute, requests_per_unit: 2}
        - key: host
          rate_limit: {unit: minute, requests_per_unit: 1}
        - key: path
          rate_limit: {unit: minute, requests_per_unit: 1}
        - key: generic_key
          value: health
          rate_limit: {unlimited: true}
        - key: generic_key
          value: never
          rate_limit: {unit: second, requests_per_unit: 0}
      routes:
        - path: /health
          rate_limits:
            - actions: [{generic_key: {descriptor_value: health}}]
        - path: /by-client/**
          method: POST
          rate_limits:
            - actions: [{request_headers: {header_name: x-client, descriptor_key: client}}]
        - path: /by-address/**
          rate_limits:
            - actions: [{remote_address: {}}]
        - path: /by-host/**
          rate_limits:
            - actions: [{request_headers: {header_name: ':authority', descriptor_key: host}}]
        - path: /p/**
          rate_limits:
            - actions: [{path: {}}]
        - path: /never
          rate_limits:
            - actions: [{generic_key: {descriptor_value: never}}]
      """;

  static final String NO_ROUTES = """
      domain: plain
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 2}
      """;

  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path trustedDir;
  @TempDir static Path untrustedDir;
  static Running trusted;
  static Running untrusted;

  @BeforeAll
  static void start() throws Exception {
    trusted = Running.start(trustedDir, Map.of("gw.yaml", RULES, "plain.yaml", NO_ROUTES),
        Map.of("trusted-proxies", "127.0.0.1, ::1"));
    untrusted = Running.start(untrustedDir, Map.of("gw.yaml", RULES), Map.of());
  }

  @AfterAll
  static void stop() {
    trusted.close();
    untrusted.close();
  }

  /** Asks {@code s} about {@code method uri} with the other forwarded headers given. */
  static HttpResponse<String> ask(Running s, String path, String method, String uri,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(path)).GET();
    if (method != null) {
      b.header("X-Forwarded-Method", method);
    }
    if (uri != null) {
      b.header("X-Forwarded-Uri", uri);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return s.send(b);
  }

  static HttpResponse<String> ask(String method, String uri, String... headers)
      throws Exception {
    return ask(trusted, "/v1/authorize/gw", method, uri, headers);
  }

  static String error(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).path("error").asText();
  }

  static String unique() {
    return UUID.randomUUID().toString();
  }

  @Test
  void allowedIsAnEmpty200WithTheHeadersAndRefusedA429WithRetryAfter() throws Exception {
    Running.clearOfAMinuteBoundary();
    String client = unique();
    for (int remaining = 1; remaining >= 0; remaining--) {
      HttpResponse<String> r = ask("POST", "/by-client/orders?page=2", "x-client", client);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEmpty();
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
      assertThat(r.headers().firstValue("X-RateLimit-Remaining"))
          .hasValue(String.valueOf(remaining));
      assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"gw.client\";q=2;w=60");
      assertThat(r.headers().firstValue("Retry-After")).isEmpty();
    }
    HttpResponse<String> over = ask("POST", "/by-client/orders", "x-client", client);
    assertThat(over.statusCode()).isEqualTo(429);
    assertThat(over.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(over.headers().firstValue("RateLimit")).hasValueSatisfying(
        v -> assertThat(v).startsWith("\"gw.client\";r=0;t="));
    long retry = Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retry).isBetween(1L, 60L);
    JsonNode body = JSON.readTree(over.body());
    assertThat(body.path("allowed").asBoolean(true)).isFalse();
    assertThat(body.path("code").asText()).isEqualTo("OVER_LIMIT");
    assertThat(body.path("retryAfterSeconds").asLong()).isEqualTo(retry);
    // another client has its own counter
    assertThat(ask("POST", "/by-client/orders", "x-client", unique()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void theForwardedMethodChoosesTheRouteWhateverMethodTheGatewayUses() throws Exception {
    Running.clearOfAMinuteBoundary();
    String client = unique();
    // the route is POST only: a forwarded GET is covered by no route, allowed without headers
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = ask("GET", "/by-client/x", "x-client", client);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }
    // the gateway's own method does not matter: POST, PUT, HEAD all ask the same question
    Map<String, Integer> expected = new java.util.LinkedHashMap<>();
    expected.put("PUT", 200);
    expected.put("POST", 200);
    expected.put("HEAD", 429);
    expected.put("DELETE", 429);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      HttpResponse<String> r = trusted.send(HttpRequest.newBuilder(
              trusted.uri("/v1/authorize/gw"))
          .method(e.getKey(), HttpRequest.BodyPublishers.noBody())
          .header("X-Forwarded-Method", "POST").header("X-Forwarded-Uri", "/by-client/x")
          .header("x-client", client));
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void denyStatusTurnsARefusalIntoAnotherStatusWithTheSameHeaders() throws Exception {
    Running.clearOfAMinuteBoundary();
    String client = unique();
    String path = "/v1/authorize/gw?deny_status=403";
    for (int i = 0; i < 2; i++) {
      assertThat(ask(trusted, path, "POST", "/by-client/a", "x-client", client).statusCode())
          .isEqualTo(200);
    }
    HttpResponse<String> r = ask(trusted, path, "POST", "/by-client/a", "x-client", client);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    // a request that no limit refuses is 200 whatever deny_status says
    assertThat(ask(trusted, path, "GET", "/health").statusCode()).isEqualTo(200);
  }

  @Test
  void badQueryParametersAre400() throws Exception {
    HttpResponse<String> r = ask(trusted, "/v1/authorize/gw?deny_status=200", "GET", "/health");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("deny_status must be a status in 400..499 (got '200'; nginx"
        + " auth_request passes on 401 and 403 only)");
    assertThat(error(ask(trusted, "/v1/authorize/gw?deny_status=forbidden", "GET", "/health")))
        .startsWith("deny_status must be a status in 400..499 (got 'forbidden';");
    assertThat(error(ask(trusted, "/v1/authorize/gw?deny_status=401&deny_status=403", "GET",
        "/health"))).isEqualTo("deny_status was given 2 times; give it once");
    r = ask(trusted, "/v1/authorize/gw?deny=403", "GET", "/health");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("unknown query parameter 'deny' (the one parameter is"
        + " deny_status; the original request's query goes in X-Forwarded-Uri, and Caddy's"
        + " forward_auth passes it on unless its uri ends with ?)");
  }

  @Test
  void aGatewayThatSendsNoForwardedHeadersIsToldWhichAreMissing() throws Exception {
    HttpResponse<String> r = ask(null, null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("missing X-Forwarded-Method (the original request's method),"
        + " X-Forwarded-Uri (the original request's path and query): the gateway must send them"
        + " with every request to /v1/authorize");
    assertThat(error(ask("GET", null))).isEqualTo("missing X-Forwarded-Uri (the original"
        + " request's path and query): the gateway must send it with every request to"
        + " /v1/authorize");
    assertThat(error(ask(null, "/health"))).startsWith("missing X-Forwarded-Method (");
  }

  @Test
  void malformedMethodsAndUrisAre400() throws Exception {
    assertThat(error(ask("GE T", "/health"))).isEqualTo("X-Forwarded-Method 'GE T' is not an"
        + " HTTP method (a token such as GET)");
    assertThat(error(ask("GET", "health"))).isEqualTo("X-Forwarded-Uri must be the original"
        + " path and query, starting with / (got 'health')");
    assertThat(error(ask("GET", "http://example.com/health"))).startsWith(
        "X-Forwarded-Uri must be the original path and query, starting with /");
    assertThat(error(ask("GET", "/a b"))).isEqualTo("X-Forwarded-Uri has a space or control"
        + " character at index 2: percent-encode it");
    assertThat(error(ask("GET", "/a%zz"))).isEqualTo("X-Forwarded-Uri has a malformed"
        + " percent-escape at index 2 (expected % and two hex digits)");
    assertThat(error(ask("GET", "/a#top"))).isEqualTo("X-Forwarded-Uri has a fragment (#) at"
        + " index 2: gateways send path and query only");
    HttpResponse<String> twice = trusted.send(HttpRequest.newBuilder(
            trusted.uri("/v1/authorize/gw")).GET()
        .header("X-Forwarded-Method", "GET").header("X-Forwarded-Method", "POST")
        .header("X-Forwarded-Uri", "/health"));
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(error(twice)).isEqualTo("X-Forwarded-Method was sent 2 times; send it once");
  }

  @Test
  void thePathIsNormalizedAsGatewaysRouteOnIt() throws Exception {
    Running.clearOfAMinuteBoundary();
    String p = "/p/" + unique();
    assertThat(ask("GET", p + "?q=1").statusCode()).isEqualTo(200);
    // the same path, spelled otherwise: the same counter (1 per minute)
    String[] spellings = {p, p.replace("/p/", "/p//"), "/p/x/.." + p.substring(2),
        "/p/./" + p.substring(3), "/%70/" + p.substring(3), "/p/x/%2e%2E" + p.substring(2),
        "/q/../" + p.substring(1), "/../../" + p.substring(1)};
    for (String s : spellings) {
      HttpResponse<String> r = ask("GET", s);
      assertThat(r.statusCode()).as(s).isEqualTo(429);
    }
    assertThat(ForwardedRequest.target("/a/b/../c/./d?x=%2e%2F")).isEqualTo("/a/c/d?x=%2e%2F");
    assertThat(ForwardedRequest.target("/a/%2f/%7e/..")).isEqualTo("/a/%2F/");
    assertThat(ForwardedRequest.target("/caf\u00c3\u00a9")).isEqualTo("/caf%C3%A9");
    assertThat(ForwardedRequest.target("/..")).isEqualTo("/");
    assertThat(ForwardedRequest.target("/?a?b")).isEqualTo("/?a?b");
  }

  @Test
  void theClientAddressComesFromXForwardedForOfATrustedProxy() throws Exception {
    Running.clearOfAMinuteBoundary();
    String path = "/by-address/" + unique();
    String a = "203.0.113.7";
    String b = "198.51.100.1";
    // nginx appends the connecting client to what the client sent: the walk reads from the right
    for (int i = 0; i < 2; i++) {
      assertThat(ask("GET", path, "X-Forwarded-For", "6.6.6.6, " + a).statusCode())
          .isEqualTo(200);
    }
    HttpResponse<String> r = ask("GET", path, "X-Forwarded-For", "7.7.7.7, " + a);
    assertThat(r.statusCode()).as("the client's own hop cannot dodge its counter").isEqualTo(429);
    assertThat(ask("GET", path, "X-Forwarded-For", b).statusCode()).isEqualTo(200);
    // Forwarded is not read: gateways pass the client's own copy through
    assertThat(ask("GET", path, "X-Forwarded-For", a, "Forwarded", "for=192.0.2.1").statusCode())
        .isEqualTo(429);
  }

  @Test
  void aRouteThatReadsTheAddressNeedsAWellFormedXForwardedFor() throws Exception {
    HttpResponse<String> r = ask("GET", "/by-address/x");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).matches("missing X-Forwarded-For \\(the client's address\\) from"
        + " trusted proxy \\S+: route \\* /by-address/\\*\\* \\(.*gw.yaml:\\d+\\) reads the"
        + " client address");
    r = ask("GET", "/by-address/x", "X-Forwarded-For", "unknown");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).startsWith("X-Forwarded-For hop 'unknown' is not an IP address"
        + " (written by trusted proxy ");
    // a route that does not read the address ignores the header, well-formed or not
    assertThat(ask("GET", "/health", "X-Forwarded-For", "unknown").statusCode()).isEqualTo(200);
    assertThat(ask("GET", "/health").statusCode()).isEqualTo(200);
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItForwards() throws Exception {
    Running.clearOfAMinuteBoundary();
    String path = "/by-address/" + unique();
    String ask = "/v1/authorize/gw";
    assertThat(ask(untrusted, ask, "GET", path, "X-Forwarded-For", "203.0.113.1").statusCode())
        .isEqualTo(200);
    assertThat(ask(untrusted, ask, "GET", path, "X-Forwarded-For", "203.0.113.2").statusCode())
        .isEqualTo(200);
    // both counted under the peer's address, and a missing or bad header changes nothing
    assertThat(ask(untrusted, ask, "GET", path).statusCode()).isEqualTo(429);
    assertThat(ask(untrusted, ask, "GET", path, "X-Forwarded-For", "unknown").statusCode())
        .isEqualTo(429);
  }

  @Test
  void theHostIsXForwardedHostNeverTheGatewaysOwnHost() throws Exception {
    Running.clearOfAMinuteBoundary();
    String host = unique() + ".example.com";
    HttpResponse<String> r = ask("GET", "/by-host/a");
    assertThat(r.statusCode()).as("the Host header names Sluice, not the original").isEqualTo(400);
    assertThat(error(r)).matches("missing X-Forwarded-Host \\(the original request's host\\):"
        + " route \\* /by-host/\\*\\* \\(.*gw.yaml:\\d+\\) reads the host");
    assertThat(ask("GET", "/by-host/a", "X-Forwarded-Host", host).statusCode()).isEqualTo(200);
    assertThat(ask("GET", "/by-host/b", "X-Forwarded-Host", host).statusCode()).isEqualTo(429);
    assertThat(ask("GET", "/by-host/b", "X-Forwarded-Host", host + ":8443").statusCode())
        .isEqualTo(200);
    assertThat(error(ask("GET", "/by-host/a", "X-Forwarded-Host", "a.com, b.com")))
        .isEqualTo("X-Forwarded-Host must be one host (got 'a.com, b.com')");
    assertThat(error(ask("GET", "/by-host/a", "X-Forwarded-Host", "a.com:99999")))
        .isEqualTo("X-Forwarded-Host 'a.com:99999' is not a host name or address with an"
            + " optional port");
    assertThat(error(ask("GET", "/by-host/a", "X-Forwarded-Host", "a/b")))
        .startsWith("X-Forwarded-Host 'a/b' is not a host name");
    // a route that does not read the host ignores it
    assertThat(ask("GET", "/health", "X-Forwarded-Host", "a/b").statusCode()).isEqualTo(200);
  }

  @Test
  void requestsNoLimitRefusesAreAllowedAndADenyAllRuleRefuses() throws Exception {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = ask("GET", "/health");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }
    assertThat(ask("DELETE", "/nowhere").statusCode()).isEqualTo(200);
    HttpResponse<String> never = ask("GET", "/never");
    assertThat(never.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(never.body()).path("code").asText()).isEqualTo("OVER_LIMIT");
  }

  @Test
  void anUnknownDomainOrOneWithoutRoutesIs404WithAMessage() throws Exception {
    HttpResponse<String> r = ask(trusted, "/v1/authorize/nope", "GET", "/");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r)).isEqualTo("unknown domain 'nope': no rules file declares it");
    r = ask(trusted, "/v1/authorize/plain", "GET", "/");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r)).startsWith("domain 'plain' has no routes: /v1/authorize maps requests"
        + " through a domain's routes; add a routes section to ").endsWith("plain.yaml");
    // checked before the forwarded headers
    assertThat(ask(trusted, "/v1/authorize/nope", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void beforeAnyRulesHaveLoadedItIs503(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("broken.yaml"), "domain: [\n");
    try (Running s = Running.start(dir, Map.of(), Map.of())) {
      HttpResponse<String> r = ask(s, "/v1/authorize/gw", "GET", "/health");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(error(r)).isEqualTo("no rules have loaded yet (see /readyz); domain 'gw' is"
          + " unknown until they do");
    }
  }

  @Test
  void theAuthorizeEndpointIsNotOnTheAdminPort() throws Exception {
    HttpResponse<String> r = trusted.send(HttpRequest.newBuilder(
        trusted.adminUri("/v1/authorize/gw")).GET().header("X-Forwarded-Method", "GET")
        .header("X-Forwarded-Uri", "/health"));
    assertThat(r.statusCode()).isEqualTo(404);
  }
}
