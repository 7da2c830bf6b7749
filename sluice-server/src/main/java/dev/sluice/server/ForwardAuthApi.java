package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.http.RateLimitHeaders;
import dev.sluice.http.RequestContext;
import dev.sluice.http.Routes;
import dev.sluice.rules.Domain;
import dev.sluice.rules.RuleMatch;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Forward authentication for gateways that ask an HTTP endpoint before they forward a request
 * (nginx {@code auth_request}, Caddy {@code forward_auth}, Traefik {@code ForwardAuth}): {@code
 * /v1/authorize/{domain}}, any method, on the HTTP decision port. The original request is read
 * from the forwarded headers ({@link ForwardedRequest}), mapped through the domain's {@code
 * routes} and decided by the {@link Enforcer} for one permit, all or nothing unless {@code
 * descriptor-counting} says each.
 *
 * <p>Answers: allowed, 200 with an empty body and the rate limit headers; refused, 429 (or the
 * status of the {@code deny_status} query parameter, 400..499, for nginx, which passes on only 401
 * and 403) with the headers, {@code Retry-After} and a short JSON body. A request no route covers
 * is allowed with no headers. Errors are JSON {@code {"error": "..."}}: 400 for a missing or
 * malformed forwarded header or query parameter, 404 for an unknown domain or one without routes,
 * 503 while no rules have loaded.
 */
final class ForwardAuthApi {

  /** The endpoint's route on the decision port. */
  static final String PATH = "/v1/authorize/{domain}";
  static final String DENY_STATUS = "deny_status";

  private final Enforcer enforcer;
  private final Supplier<Routes> routes;
  private final LiveRules rules;
  private final ServerConfig config;
  private final ForwardedRequest forwarded;

  ForwardAuthApi(Enforcer enforcer, LiveRules rules, ServerConfig config) {
    this.enforcer = enforcer;
    this.routes = Routes.following(enforcer::rules);
    this.rules = rules;
    this.config = config;
    this.forwarded = new ForwardedRequest(config.trustedProxies());
  }

  /**
   * Adds {@code /v1/authorize/{domain}}, every method, to the decision port (with a span per
   * request when {@code tracing} is on).
   */
  void bind(ServerBuilder sb, Tracing tracing) {
    sb.route().path(PATH).build(tracing.http(PATH, HttpApi.guard(this::authorize)));
  }

  private CompletableFuture<HttpResponse> authorize(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    HttpStatus denied = denyStatus(ctx.query());
    String domain = ctx.pathParam("domain");
    Routes r = routes.get();
    Optional<Domain> d = r.rules().domain(domain == null ? "" : domain);
    if (d.isEmpty()) {
      return done(rules.loaded()
          ? HttpApi.error(HttpStatus.NOT_FOUND, "unknown domain '" + domain
              + "': no rules file declares it")
          : HttpApi.error(HttpStatus.SERVICE_UNAVAILABLE, "no rules have loaded yet (see"
              + " /readyz); domain '" + domain + "' is unknown until they do"));
    }
    if (d.get().routes().isEmpty()) {
      return done(HttpApi.error(HttpStatus.NOT_FOUND, "domain '" + domain + "' has no routes:"
          + " /v1/authorize maps requests through a domain's routes; add a routes section to "
          + String.join(", ", d.get().files())));
    }
    RequestContext request = forwarded.read(req.headers(), peer(ctx), domain, r);
    List<RuleMatch> matches = r.match(domain, request);
    if (matches.isEmpty()) {
      return done(HttpResponse.of(ResponseHeaders.of(HttpStatus.OK)));
    }
    return enforcer.decideMatches(domain, matches, 1, config.descriptorCounting())
        .thenApply(v -> {
          Tracing.annotate(Tracing.httpSpan(ctx), domain, v);
          return answer(v, denied);
        });
  }

  private HttpResponse answer(Verdict v, HttpStatus denied) {
    Map<String, String> headers = RateLimitHeaders.of(v, config.headers(),
        config.headerNames());
    if (!v.overLimit()) {
      var b = ResponseHeaders.builder(HttpStatus.OK);
      headers.forEach(b::add);
      return HttpResponse.of(b.build());
    }
    ObjectNode body = HttpApi.JSON.createObjectNode();
    body.put("allowed", false);
    body.put("code", "OVER_LIMIT");
    Status s = v.deciding();
    if (s == null || s.retryAfterMicros() == Long.MAX_VALUE) {
      body.putNull("retryAfterSeconds"); // never: more permits than the limit can hold
    } else {
      body.put("retryAfterSeconds", RateLimitHeaders.retryAfterSeconds(s.retryAfterMicros()));
    }
    return HttpApi.json(denied, body, headers);
  }

  /**
   * The status of a refusal: {@code deny_status}, else 429.
   *
   * @throws EnvoyProtocol.BadRequestException for another parameter or a value out of range
   */
  static HttpStatus denyStatus(String query) {
    if (query == null || query.isEmpty()) {
      return HttpStatus.TOO_MANY_REQUESTS;
    }
    QueryParams params = QueryParams.fromQueryString(query);
    for (String name : params.names()) {
      if (!name.equals(DENY_STATUS)) {
        throw new EnvoyProtocol.BadRequestException("unknown query parameter '" + name
            + "' (the one parameter is " + DENY_STATUS + "; the original request's query goes"
            + " in X-Forwarded-Uri, and Caddy's forward_auth passes it on unless its uri ends"
            + " with ?)");
      }
    }
    List<String> values = params.getAll(DENY_STATUS);
    if (values.isEmpty()) {
      return HttpStatus.TOO_MANY_REQUESTS;
    }
    if (values.size() > 1) {
      throw new EnvoyProtocol.BadRequestException(DENY_STATUS + " was given " + values.size()
          + " times; give it once");
    }
    String v = values.get(0);
    int code = v.matches("[0-9]{3}") ? Integer.parseInt(v) : 0;
    if (code < 400 || code > 499) {
      throw new EnvoyProtocol.BadRequestException(DENY_STATUS + " must be a status in 400..499"
          + " (got '" + (v.length() > 20 ? v.substring(0, 20) + "..." : v) + "'; nginx"
          + " auth_request passes on 401 and 403 only)");
    }
    return HttpStatus.valueOf(code);
  }

  private static String peer(ServiceRequestContext ctx) {
    InetSocketAddress a = ctx.remoteAddress();
    return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
  }

  private static CompletableFuture<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }
}
