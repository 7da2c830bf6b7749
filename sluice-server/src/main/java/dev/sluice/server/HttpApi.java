package dev.sluice.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Settlement;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Item;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.http.RateLimitHeaders;
import dev.sluice.http.RequestContext;
import dev.sluice.http.Routes;
import dev.sluice.redis.RedisUnavailableException;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.Domain;
import dev.sluice.rules.RuleError;
import dev.sluice.rules.RuleLimit;
import dev.sluice.rules.RuleMatch;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints of the decision port: envoy's {@code POST /json}, Sluice's {@code POST
 * /v1/check}, {@code /healthz} and {@code /readyz} (forward-auth's {@code /v1/authorize} is
 * {@link ForwardAuthApi}; the rules admin API and {@code /metrics} are on the admin port: {@link
 * AdminApi}). Every handler answers from the event loop without
 * blocking. Errors are JSON {@code {"error": "..."}}; no stack trace ever leaves the process.
 */
final class HttpApi {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final Enforcer enforcer;
  private final Supplier<Routes> routes;
  private final LiveRules rules;
  private final ServerConfig config;
  /** The backend's state for {@code /readyz}: {@code "up"} when it can decide. */
  private final Supplier<CompletionStage<String>> backendState;

  HttpApi(Enforcer enforcer, LiveRules rules, ServerConfig config,
      Supplier<CompletionStage<String>> backendState) {
    this.backendState = backendState;
    this.enforcer = enforcer;
    this.routes = Routes.following(enforcer::rules);
    this.rules = rules;
    this.config = config;
  }

  /**
   * The decision port's routes: {@code /json}, {@code /v1/check}, {@code /v1/reserve}, {@code
   * /v1/settle} (each with a span when {@code tracing} is on) and health.
   */
  void bind(ServerBuilder sb, Tracing tracing) {
    sb.route().post("/json").build(tracing.http("/json", guard(this::envoyJson)));
    sb.route().post("/v1/check").build(tracing.http("/v1/check", guard(this::check)));
    sb.route().post("/v1/reserve").build(tracing.http("/v1/reserve", guard(this::reserve)));
    sb.route().post("/v1/settle").build(tracing.http("/v1/settle", guard(this::settle)));
    bindHealth(sb);
  }

  /** {@code /healthz} and {@code /readyz}: on the decision ports and on the admin port. */
  void bindHealth(ServerBuilder sb) {
    sb.route().get("/healthz").build((ctx, req) ->
        HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"status\":\"ok\"}"));
    sb.route().get("/readyz").build(guard(this::ready));
  }

  /** A handler from the aggregated request to a future response. */
  interface Handler {
    CompletableFuture<HttpResponse> handle(ServiceRequestContext ctx, AggregatedHttpRequest req)
        throws Exception;
  }

  /**
   * Turns every handler failure into a JSON error: 400 for bad input, 500 without details
   * otherwise. A body that fails to arrive (too large: 413, or the client went away) is left to
   * Armeria.
   */
  static HttpService guard(Handler h) {
    return (ctx, req) -> HttpResponse.of(req.aggregate().handle((agg, failure) -> {
      if (failure != null) {
        return CompletableFuture.completedFuture(HttpResponse.ofFailure(failure));
      }
      try {
        return h.handle(ctx, agg).exceptionally(HttpApi::failure);
      } catch (Exception e) {
        return CompletableFuture.completedFuture(failure(e));
      }
    }).thenCompose(f -> f));
  }

  private static HttpResponse failure(Throwable t) {
    Throwable e = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
        ? t.getCause() : t;
    if (e instanceof EnvoyProtocol.BadRequestException) {
      return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }
    if (e instanceof RedisUnavailableException) { // a settle Redis did not apply: retry it
      return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }
    log.warn("request failed", e);
    return error(HttpStatus.INTERNAL_SERVER_ERROR, "internal error");
  }

  static HttpResponse error(HttpStatus status, @Nullable String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", message == null ? status.reasonPhrase() : message);
    return json(status, n, Map.of());
  }

  static HttpResponse json(HttpStatus status, Object body, Map<String, String> headers) {
    ResponseHeadersBuilder b = ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8);
    headers.forEach(b::add);
    String text;
    try {
      // envoy's /json body is passed as text, byte for byte as envoy writes it; Sluice's own
      // answers end with a newline, friendlier in a terminal
      text = body instanceof String s ? s : JSON.writeValueAsString(body) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return HttpResponse.of(b.build(), HttpData.ofUtf8(text));
  }

  static String utf8(AggregatedHttpRequest req) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(req.content().array())).toString();
    } catch (CharacterCodingException e) {
      throw new EnvoyProtocol.BadRequestException("the body is not valid UTF-8");
    }
  }

  // ---- envoy's /json

  private CompletableFuture<HttpResponse> envoyJson(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    RateLimitRequest request = EnvoyJson.parse(req.content().array());
    List<Item> items = EnvoyProtocol.items(request, config);
    return enforcer.decide(request.getDomain(), items, config.descriptorCounting()).thenApply(v -> {
      Tracing.annotate(Tracing.httpSpan(ctx), request.getDomain(), v);
      RateLimitResponse response = EnvoyProtocol.response(v, false, config.headers());
      return json(v.overLimit() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.OK,
          EnvoyJson.print(response), Map.of());
    });
  }

  // ---- Sluice's /v1/check

  private static final Set<String> CHECK_FIELDS = Set.of("domain", "descriptors", "request",
      "hits", "recordOverLimit");

  private CompletableFuture<HttpResponse> check(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    JsonNode root = object(req, CHECK_FIELDS);
    String domain = domain(root);
    long hits = root.has("hits") ? hits(root.get("hits"), "hits") : 1;
    boolean record = false;
    if (root.has("recordOverLimit")) {
      JsonNode r = root.get("recordOverLimit");
      if (!r.isBoolean()) {
        throw bad("recordOverLimit must be true or false");
      }
      record = r.booleanValue();
    }
    boolean hasDescriptors = root.has("descriptors");
    boolean hasRequest = root.has("request");
    if (hasDescriptors == hasRequest) {
      throw bad("give exactly one of descriptors or request");
    }
    CompletableFuture<Verdict> result;
    if (hasDescriptors) {
      result = enforcer.decide(domain, descriptors(root.get("descriptors"), hits),
          config.descriptorCounting(), record);
    } else {
      RequestContext rc = requestContext(root.get("request"));
      List<RuleMatch> matches = routes.get().match(domain, rc);
      result = enforcer.decideMatches(domain, matches, hits, config.descriptorCounting(),
          record);
    }
    return result.thenApply(v -> {
      Tracing.annotate(Tracing.httpSpan(ctx), domain, v);
      return answer(v, verdictJson(v));
    });
  }

  /** The body of a decision: allowed, code and each descriptor's status. */
  private static ObjectNode verdictJson(Verdict v) {
    ObjectNode out = JSON.createObjectNode();
    out.put("allowed", !v.overLimit());
    out.put("code", v.overLimit() ? "OVER_LIMIT" : "OK");
    ArrayNode statuses = out.putArray("statuses");
    for (Status s : v.statuses()) {
      statuses.add(status(s));
    }
    return out;
  }

  /** A decision's answer: 200 or 429, {@code body}, the rate limit headers. */
  private HttpResponse answer(Verdict v, ObjectNode body) {
    return json(v.overLimit() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.OK, body,
        RateLimitHeaders.of(v, config.headers(), config.headerNames()));
  }

  // ---- /v1/reserve and /v1/settle: hold an estimate, settle the actual cost

  private static final Set<String> RESERVE_FIELDS = Set.of("domain", "descriptors", "hits",
      "timeoutSeconds");
  /** How long a reservation is held when the request does not say. */
  static final long DEFAULT_HOLD_SECONDS = 600;
  /** The longest hold: a month of 31 days. */
  static final long MAX_HOLD_SECONDS = 31L * 24 * 3600;

  private CompletableFuture<HttpResponse> reserve(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    JsonNode root = object(req, RESERVE_FIELDS);
    String domain = domain(root);
    long hits = root.has("hits") ? hits(root.get("hits"), "hits") : 1;
    long timeout = holdSeconds(root.get("timeoutSeconds"));
    if (!root.has("descriptors")) {
      throw bad("descriptors is required");
    }
    List<Item> items = descriptors(root.get("descriptors"), hits);
    return enforcer.hold(domain, items, java.time.Duration.ofSeconds(timeout)).thenApply(h -> {
      Tracing.annotate(Tracing.httpSpan(ctx), domain, h.verdict());
      ObjectNode out = verdictJson(h.verdict());
      if (!h.verdict().overLimit()) {
        out.put("reservation", ReservationIds.encode(domain, h));
        out.put("timeoutSeconds", timeout);
      }
      return answer(h.verdict(), out);
    });
  }

  private static long holdSeconds(@Nullable JsonNode t) {
    if (t == null) {
      return DEFAULT_HOLD_SECONDS;
    }
    if (!t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() < 1
        || t.asLong() > MAX_HOLD_SECONDS) {
      throw bad("timeoutSeconds must be an integer in 1.." + MAX_HOLD_SECONDS);
    }
    return t.asLong();
  }

  private static final Set<String> SETTLE_FIELDS = Set.of("reservation", "actual");

  private CompletableFuture<HttpResponse> settle(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    JsonNode root = object(req, SETTLE_FIELDS);
    ReservationIds.Reservation r =
        ReservationIds.decode(string(root, "reservation", true, ""));
    if (!root.has("actual")) {
      throw bad("actual is required");
    }
    long actual = hits(root.get("actual"), "actual");
    return enforcer.settle(r.domain(), r.descriptors(), r.holdIds(), actual).thenApply(list -> {
      ObjectNode out = JSON.createObjectNode();
      ArrayNode statuses = out.putArray("statuses");
      int settled = 0;
      int before = 0;
      for (int i = 0; i < list.size(); i++) {
        ObjectNode n = statuses.addObject();
        ArrayNode entries = n.putArray("entries");
        for (Descriptor.Entry e : r.descriptors().get(i).entries()) {
          entries.addObject().put("key", e.key()).put("value", e.value());
        }
        if (r.holdIds().get(i) == null) {
          n.put("code", "NOT_HELD");
          continue;
        }
        Settlement st = list.get(i).orElse(null);
        if (st == null) {
          n.put("code", Settlement.Status.UNKNOWN.name());
          continue;
        }
        n.put("code", st.status().name());
        settled += st.settled() ? 1 : 0;
        before += st.status() == Settlement.Status.ALREADY_SETTLED ? 1 : 0;
        if (st.status() != Settlement.Status.UNKNOWN) {
          n.put("estimate", st.estimate());
        }
        n.put("actual", actual);
        Decision d = st.decision();
        n.put("remaining", d.remaining());
        n.put("resetSeconds", RateLimitHeaders.ceilSeconds(d.resetAfterMicros()));
        if (!d.allowed()) {
          n.put("retryAfterSeconds", d.retryAfterMicros() == Long.MAX_VALUE ? null
              : RateLimitHeaders.ceilSeconds(d.retryAfterMicros()));
        }
      }
      boolean held = r.holdIds().stream().anyMatch(Objects::nonNull);
      String code = settled > 0 || !held ? "SETTLED" : before > 0 ? "ALREADY_SETTLED" : "UNKNOWN";
      out.put("settled", code.equals("SETTLED"));
      out.put("code", code);
      if (!code.equals("SETTLED")) {
        out.put("error", before > 0 ? "the reservation was settled already"
            : "unknown reservation: never made, or expired (then it counted at its estimate)");
      }
      HttpStatus status = switch (code) {
        case "SETTLED" -> HttpStatus.OK;
        case "ALREADY_SETTLED" -> HttpStatus.CONFLICT;
        default -> HttpStatus.NOT_FOUND;
      };
      return json(status, out, Map.of());
    });
  }

  private static ObjectNode status(Status s) {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode entries = n.putArray("entries");
    for (Descriptor.Entry e : Objects.requireNonNull(s.descriptor()).entries()) {
      entries.addObject().put("key", e.key()).put("value", e.value());
    }
    n.put("code", s.overLimit() ? "OVER_LIMIT" : "OK");
    n.put("matched", s.match() != null);
    n.put("unlimited", s.unlimited());
    n.put("shadow", s.shadow());
    RuleLimit l = s.ruleLimit();
    if (l != null) {
      ObjectNode limit = n.putObject("limit");
      l.name().ifPresent(name -> limit.put("name", name));
      limit.put("requestsPerUnit", l.requestsPerUnit());
      limit.put("unit", l.unit().name());
      if (l.unitMultiplier() != 1) {
        limit.put("unitMultiplier", l.unitMultiplier());
      }
      l.calendar().ifPresent(c -> limit.put("calendar", c.text()));
      limit.put("algorithm", l.algorithm().name());
      n.put("remaining", s.remaining());
      n.put("resetSeconds", RateLimitHeaders.ceilSeconds(s.resetAfterMicros()));
      if (s.retryAfterMicros() == Long.MAX_VALUE) {
        n.putNull("retryAfterSeconds"); // never: more permits than the limit can hold
      } else {
        n.put("retryAfterSeconds", RateLimitHeaders.ceilSeconds(s.retryAfterMicros()));
      }
    }
    return n;
  }

  private List<Item> descriptors(JsonNode node, long defaultHits) {
    if (!node.isArray()) {
      throw bad("descriptors must be an array");
    }
    if (node.isEmpty()) {
      throw bad("descriptors must not be empty");
    }
    if (node.size() > config.maxDescriptors()) {
      throw bad("too many descriptors: " + node.size() + " (at most " + config.maxDescriptors()
          + ")");
    }
    List<Item> items = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      String where = "descriptors[" + i + "]";
      JsonNode d = node.get(i);
      if (!d.isObject()) {
        throw bad(where + " must be an object");
      }
      onlyFields(d, Set.of("entries", "hits"), where + ".");
      JsonNode entries = d.get("entries");
      if (entries == null || !entries.isArray() || entries.isEmpty()) {
        throw bad(where + ".entries must be a non-empty array");
      }
      if (entries.size() > config.maxEntries()) {
        throw bad(where + " has " + entries.size() + " entries (at most " + config.maxEntries()
            + ")");
      }
      List<Descriptor.Entry> list = new ArrayList<>();
      for (int j = 0; j < entries.size(); j++) {
        String ew = where + ".entries[" + j + "]";
        JsonNode e = entries.get(j);
        if (!e.isObject()) {
          throw bad(ew + " must be an object");
        }
        onlyFields(e, Set.of("key", "value"), ew + ".");
        String key = string(e, "key", true, ew + ".");
        if (key.isEmpty()) {
          throw bad(ew + ".key must not be empty");
        }
        list.add(new Descriptor.Entry(key, string(e, "value", false, ew + ".")));
      }
      long hits = d.has("hits") ? hits(d.get("hits"), where + ".hits") : defaultHits;
      items.add(new Item(Descriptor.of(list), hits));
    }
    return items;
  }

  private RequestContext requestContext(JsonNode node) {
    if (!node.isObject()) {
      throw bad("request must be an object");
    }
    onlyFields(node, Set.of("method", "path", "clientAddress", "headers"), "request.");
    String method = string(node, "method", true, "request.");
    String path = string(node, "path", true, "request.");
    if (method.isEmpty() || path.isEmpty()) {
      throw bad("request.method and request.path must not be empty");
    }
    RequestContext.Builder b;
    try {
      b = RequestContext.builder(method, path);
      if (node.has("clientAddress")) {
        b.clientAddress(string(node, "clientAddress", true, "request."));
      }
      JsonNode headers = node.get("headers");
      if (headers != null) {
        if (!headers.isObject()) {
          throw bad("request.headers must be an object of name: value");
        }
        if (headers.size() > config.maxEntries()) {
          throw bad("request.headers has more than " + config.maxEntries() + " names");
        }
        for (Map.Entry<String, JsonNode> h : headers.properties()) {
          List<JsonNode> values = new ArrayList<>();
          if (h.getValue().isArray()) {
            h.getValue().forEach(values::add);
          } else {
            values.add(h.getValue());
          }
          for (JsonNode v : values) {
            if (!v.isTextual()) {
              throw bad("request.headers." + h.getKey() + " must be a string or strings");
            }
            b.header(h.getKey(), v.asText());
          }
        }
      }
      return b.build();
    } catch (IllegalArgumentException | NullPointerException e) {
      if (e instanceof EnvoyProtocol.BadRequestException) {
        throw e;
      }
      throw bad("invalid request: " + e.getMessage());
    }
  }

  private static JsonNode parseJson(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw bad("the body is empty");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw bad("malformed JSON: " + e.getOriginalMessage());
    }
  }

  /** The body: a JSON object of only {@code fields}. */
  private static JsonNode object(AggregatedHttpRequest req, Set<String> fields) {
    JsonNode root = parseJson(utf8(req));
    if (!root.isObject()) {
      throw bad("the body must be a JSON object");
    }
    onlyFields(root, fields, "");
    return root;
  }

  private static String domain(JsonNode root) {
    String domain = string(root, "domain", true, "");
    if (domain.isEmpty()) {
      throw bad("domain must not be empty");
    }
    return domain;
  }

  private static void onlyFields(JsonNode node, Set<String> allowed, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw bad("unknown field " + where + f);
      }
    }
  }

  private static String string(JsonNode node, String field, boolean required, String where) {
    JsonNode v = node.get(field);
    if (v == null) {
      if (required) {
        throw bad(where + field + " is required");
      }
      return "";
    }
    if (!v.isTextual()) {
      throw bad(where + field + " must be a string");
    }
    return v.asText();
  }

  private static long hits(JsonNode v, String where) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw bad(where + " must be an integer in 0.." + Limit.MAX_EXACT);
    }
    long h = v.asLong();
    if (h < 0 || h > Limit.MAX_EXACT) {
      throw bad(where + " must be an integer in 0.." + Limit.MAX_EXACT);
    }
    return h;
  }

  static EnvoyProtocol.BadRequestException bad(String message) {
    return new EnvoyProtocol.BadRequestException(message);
  }

  // ---- health

  private CompletableFuture<HttpResponse> ready(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    return backendState.get().toCompletableFuture().thenApply(backend -> {
      LiveRules.Status s = rules.status();
      boolean ready = s.loaded() && backend.equals("up");
      ObjectNode out = JSON.createObjectNode();
      out.put("ready", ready);
      out.set("rules", statusJson(s));
      out.put("backend", backend);
      return json(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, out, Map.of());
    });
  }

  static ObjectNode statusJson(LiveRules.Status s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("loaded", s.loaded());
    n.put("domains", s.domains());
    n.put("lastReload", s.lastOk() ? "ok" : "failed");
    n.put("lastReloadAt", s.lastLoad() == null ? null : s.lastLoad().toString());
    n.put("reloadsOk", s.reloadsOk());
    n.put("reloadsFailed", s.reloadsFailed());
    n.set("lastErrors", errorsJson(s.lastErrors()));
    if (s.version() != null) {
      n.put("xdsVersion", s.version());
    }
    return n;
  }

  static ArrayNode errorsJson(List<RuleError> errors) {
    ArrayNode a = JSON.createArrayNode();
    Function<RuleError, ObjectNode> one = e -> JSON.createObjectNode()
        .put("file", e.file()).put("line", e.line()).put("column", e.column())
        .put("path", e.path()).put("problem", e.problem()).put("message", e.toString());
    errors.forEach(e -> a.add(one.apply(e)));
    return a;
  }
}
