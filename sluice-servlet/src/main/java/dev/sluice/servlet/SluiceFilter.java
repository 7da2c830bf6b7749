package dev.sluice.servlet;

import dev.sluice.Limit;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.ModeBackends;
import dev.sluice.enforcement.Quota;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.KeyPart;
import dev.sluice.http.KeyResolver;
import dev.sluice.http.OnMissingKey;
import dev.sluice.http.PathPattern;
import dev.sluice.http.RateLimitHeaders;
import dev.sluice.http.RequestContext;
import dev.sluice.http.Routes;
import dev.sluice.http.TrustedProxies;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Domain;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A Jakarta Servlet filter that rate limits requests.
 *
 * <p>For each HTTP request it builds a {@link RequestContext} (method, path, the client address
 * as {@link TrustedProxies} allow, every header), then applies, in this order, stopping at the
 * first denial:
 *
 * <ol>
 *   <li>the plain limits ({@link Builder#limits}), under the key from the {@link KeyResolver};
 *   <li>the {@link RateLimited} limits of the servlet the request is mapped to;
 *   <li>the rules ({@link Builder#rules}): the descriptors of the first route covering the request
 *       ({@link Routes}), each matching descriptor's limits under its counter key, decided by the
 *       enforcement layer ({@link Enforcer}), all or nothing unless {@link
 *       Builder#descriptorCounting} says each; {@code unlimited} matches are not counted and
 *       {@code shadow_mode} ones never deny.
 * </ol>
 *
 * <p>Each step is all-or-nothing on its own; the steps are not atomic together (a later denial
 * does not give back what an earlier step took). The response describes the deciding limit of all
 * steps ({@link Verdict#deciding()}).
 *
 * <p>A denied request gets 429 with {@code Retry-After} and the headers of the configured {@link
 * HeaderStyle}, and a JSON body ({@code application/problem+json} unless {@link
 * Builder#denialBody} says otherwise). Allowed requests get the same headers when {@link
 * Builder#headersOnAllowed} (default on). When the key needs an identity the request lacks (no or
 * a malformed {@code Authorization}), the filter counts under the client address or answers 401,
 * as {@link OnMissingKey} says; it never throws for a bad request.
 *
 * <p>Build one with {@link #builder()} and register the instance, or declare the class in {@code
 * web.xml} with init-params named as in {@link SluiceSettings}. Thread-safe.
 *
 * <p><b>Metrics.</b> The limiters the filter builds tell a {@link LimiterListener} ({@link
 * Builder#listener}) what they decide, under these names: {@value #LIMITER_NAME} for the plain
 * limits, the handler's id ({@code com.example.Orders#doPost}, {@code
 * com.example.OrderController#create}) for {@link RateLimited} limits, and {@code rules:<domain>}
 * for the rules. With {@code dev.sluice:sluice-micrometer} and Micrometer on the class path,
 * {@link Builder#meterRegistry} counts them in a {@code MeterRegistry}; a filter declared in
 * {@code web.xml} does so by itself (init-param {@code metrics}, default {@code true}), in the
 * registry of the context attribute {@value #METER_REGISTRY_ATTRIBUTE}, else in Micrometer's
 * global registry. Without Micrometer the filter works the same, and counts nothing.
 */
public final class SluiceFilter implements Filter {

  /**
   * Request attribute holding the client address the filter settled on (after {@link
   * TrustedProxies}), for applications and logs.
   */
  public static final String CLIENT_ADDRESS_ATTRIBUTE = "dev.sluice.servlet.clientAddress";

  /**
   * Servlet context attribute where a filter declared in {@code web.xml} looks for the Micrometer
   * {@code MeterRegistry} to count its decisions in (the registry's own class name).
   */
  public static final String METER_REGISTRY_ATTRIBUTE = "io.micrometer.core.instrument.MeterRegistry";

  /** The name of the limiter of the plain limits, as its {@link LimiterListener} hears it. */
  public static final String LIMITER_NAME = "filter";

  private @Nullable Config config;

  /** A filter configured from its init-params in {@link #init(FilterConfig)} ({@code web.xml}). */
  public SluiceFilter() {}

  private SluiceFilter(Config config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the init-params when made by the container; validates the {@link RateLimited}
   * annotations of every registered servlet.
   *
   * @throws IllegalArgumentException naming the init-param or the annotated servlet that is wrong
   */
  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    if (config == null) {
      List<String> names = Collections.list(filterConfig.getInitParameterNames());
      SluiceSettings.checkNames(names, "init-param ");
      Settings settings = SluiceSettings.read(filterConfig::getInitParameter, "init-param ");
      Builder b = builder();
      Backend backend = SluiceSettings.backend(settings);
      b.backend(backend);
      b.ownsBackend = true;
      SluiceSettings.configure(b, settings);
      ServletContext context = filterConfig.getServletContext();
      if (SluiceSettings.metrics(settings)
          && context != null && MicrometerMetrics.available()) {
        b.meterRegistry(MicrometerMetrics.registry(context));
      }
      config = b.config();
    }
    config.handlers.validate(filterConfig.getServletContext());
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Config c = config;
    if (c == null || !(request instanceof HttpServletRequest req)
        || !(response instanceof HttpServletResponse resp)) {
      chain.doFilter(request, response);
      return;
    }
    RequestContext ctx = context(c, req);
    ctx.clientAddress().ifPresent(a -> req.setAttribute(CLIENT_ADDRESS_ATTRIBUTE, a));
    long cost = c.cost(req, ctx.path());
    Verdict v = Verdict.empty();
    RateLimiter limiter = c.limiter;
    if (limiter != null) {
      String key = key(c, c.keyResolver, ctx, resp);
      if (key == null) {
        return;
      }
      v = Verdict.of(Status.of(limiter.tryAcquire(key, cost), limiter.limits()));
    }
    if (v.allowed()) {
      Optional<HandlerLimits.Handler> handler = c.handlers.find(req);
      if (handler.isPresent()) {
        Verdict h = applyHandler(c, handler.get(), ctx, resp);
        if (h == null) {
          return;
        }
        v = v.and(h);
      }
    }
    if (v.allowed() && c.enforcer != null) {
      v = v.and(applyRules(c, c.enforcer, ctx, cost));
    }
    if (!v.allowed()) {
      deny(c, resp, v);
      return;
    }
    if (c.headersOnAllowed) {
      RateLimitHeaders.of(v, c.headerStyle).forEach(resp::setHeader);
    }
    chain.doFilter(request, response);
  }

  /**
   * Applies one handler's {@link RateLimited} limits, for frameworks that know the handler only
   * after the filter has run (the Spring MVC interceptor of {@code sluice-spring-boot-starter}).
   * Answers 429 (or 401) itself when denied; sets the headers on an allowed response as
   * configured.
   *
   * @param handlerId what names the handler (its counters are its own)
   * @return whether the request may go on
   * @throws IllegalArgumentException when the annotation is invalid
   */
  public boolean applyHandler(HttpServletRequest request, HttpServletResponse response,
      String handlerId, RateLimited annotation) throws IOException {
    Config c = Objects.requireNonNull(config, "filter not initialised");
    HandlerLimits.Handler h = c.handlers.handler(handlerId, annotation);
    Verdict v = applyHandler(c, h, context(c, request), response);
    if (v == null) {
      return false;
    }
    if (!v.allowed()) {
      deny(c, response, v);
      return false;
    }
    if (c.headersOnAllowed) {
      RateLimitHeaders.of(v, c.headerStyle).forEach(response::setHeader);
    }
    return true;
  }

  /**
   * Checks a handler's {@link RateLimited} annotation and prepares its limiter, so that a wrong
   * one fails at start rather than at the first request (frameworks call it for every handler
   * they know).
   *
   * @throws IllegalArgumentException naming the handler when the annotation is invalid
   */
  public void checkHandler(String handlerId, RateLimited annotation) {
    Objects.requireNonNull(config, "filter not initialised").handlers.handler(handlerId, annotation);
  }

  /**
   * Answers 429 for a refusal decided outside the filter (a rate-limited method the request
   * called, say), with the filter's headers and body for {@code decision}.
   */
  public void refuse(HttpServletResponse response, dev.sluice.Decision decision)
      throws IOException {
    deny(Objects.requireNonNull(config, "filter not initialised"), response,
        Verdict.of(Status.of(decision, List.of(decision.limit()))));
  }

  /** The handler's decision; null when a 401 was sent. */
  private static @Nullable Verdict applyHandler(Config c, HandlerLimits.Handler h,
      RequestContext ctx, HttpServletResponse resp) throws IOException {
    String key = key(c, h.key() != null ? h.key() : c.keyResolver, ctx, resp);
    if (key == null) {
      return null;
    }
    return Verdict.of(Status.of(h.limiter().tryAcquire("@" + h.id() + "|" + key, h.cost()),
        h.limiter().limits()));
  }

  /** The rules' decision for the request's descriptors, all or nothing unless set otherwise. */
  private static Verdict applyRules(Config c, Enforcer enforcer, RequestContext ctx, long cost) {
    List<RuleMatch> matches = c.routes.get().match(c.domain, ctx);
    if (matches.isEmpty()) {
      return Verdict.empty();
    }
    try {
      return enforcer.decideMatches(c.domain, matches, cost, c.counting).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** The key, or null after answering 401 when the request lacks an identity and REJECT is set. */
  private static @Nullable String key(Config c, KeyResolver resolver, RequestContext ctx,
      HttpServletResponse resp) throws IOException {
    Optional<String> key = resolver.resolve(ctx);
    if (key.isPresent()) {
      return key.get();
    }
    if (c.onMissingKey == OnMissingKey.IP) {
      return resolver.resolveWithIpFallback(ctx);
    }
    resp.setStatus(401);
    if (resolver.usesUser()) {
      resp.setHeader("WWW-Authenticate", "Basic realm=\"sluice\", charset=\"UTF-8\"");
    }
    writeBody(resp, "application/problem+json", "{\"type\":\"about:blank\",\"title\":"
        + "\"Unauthorized\",\"status\":401,\"detail\":\"This resource is rate limited per "
        + Json.escape(resolver.toString()) + "; send credentials that identify you.\"}");
    return null;
  }

  private static void deny(Config c, HttpServletResponse resp, Verdict v) throws IOException {
    resp.setStatus(429);
    RateLimitHeaders.of(v, c.headerStyle).forEach(resp::setHeader);
    writeBody(resp, c.denialContentType, c.denialBody.render(v.deciding()));
  }

  private static void writeBody(HttpServletResponse resp, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    resp.setContentType(contentType);
    resp.setCharacterEncoding("UTF-8");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
    resp.flushBuffer();
  }

  private static RequestContext context(Config c, HttpServletRequest req) {
    String uri = req.getRequestURI();
    String contextPath = req.getContextPath();
    String path = contextPath != null && !contextPath.isEmpty() && uri.startsWith(contextPath)
        ? uri.substring(contextPath.length()) : uri;
    if (path.isEmpty()) {
      path = "/";
    }
    String query = req.getQueryString();
    RequestContext.Builder b = RequestContext.builder(req.getMethod(),
        query == null ? path : path + "?" + query);
    for (String name : Collections.list(req.getHeaderNames())) {
      for (String value : Collections.list(req.getHeaders(name))) {
        b.header(name, value);
      }
    }
    b.principal(req.getUserPrincipal()).attributes(req::getAttribute).nativeRequest(req);
    String peer = req.getRemoteAddr();
    if (peer != null) {
      b.clientAddress(c.proxies.clientAddress(peer, Collections.list(req.getHeaders("Forwarded")),
          Collections.list(req.getHeaders("X-Forwarded-For"))));
    }
    return b.build();
  }

  /** Closes the backend if this filter created it. */
  @Override
  public void destroy() {
    Config c = config;
    if (c != null && c.ownsBackend) {
      c.backend.close();
    }
  }

  /** The applied configuration, immutable. */
  private static final class Config {
    final @Nullable RateLimiter limiter;
    final Backend backend;
    final boolean ownsBackend;
    final KeyResolver keyResolver;
    final OnMissingKey onMissingKey;
    final TrustedProxies proxies;
    final @Nullable Enforcer enforcer;
    final Supplier<Routes> routes;
    final String domain;
    final Enforcer.Counting counting;
    final HeaderStyle headerStyle;
    final boolean headersOnAllowed;
    final DenialBody denialBody;
    final String denialContentType;
    final List<CostRule> costs;
    final @Nullable ToLongFunction<HttpServletRequest> costFunction;
    final HandlerLimits handlers;
    final @Nullable LimiterListener listener;

    Config(Builder b, Backend backend, KeyResolver key, String domain,
        @Nullable LimiterListener listener) {
      this.backend = backend;
      this.ownsBackend = b.ownsBackend || b.backend == null;
      this.listener = listener;
      this.limiter = b.limiter != null ? b.limiter
          : b.limits.isEmpty() ? null : newLimiter(LIMITER_NAME, b.limits);
      this.keyResolver = key;
      this.onMissingKey = b.onMissingKey;
      this.proxies = b.proxies;
      Supplier<RuleSet> rules = b.rules;
      // Rules are decided on the filter's backend, every rule consistently (no eventual mode
      // here); the limiters are named for the listener.
      this.enforcer = rules == null ? null : Enforcer.builder(rules,
              ModeBackends.consistent(backend, false))
          .limiters((k, predecessor) -> newLimiter("rules:" + domain, k.limits(), predecessor))
          .build();
      this.routes = Routes.following(rules == null ? RuleSet::empty : rules);
      this.domain = domain;
      this.counting = b.counting;
      this.headerStyle = b.headerStyle;
      this.headersOnAllowed = b.headersOnAllowed;
      this.denialBody = b.denialBody;
      this.denialContentType = b.denialContentType;
      this.costs = List.copyOf(b.costs);
      this.costFunction = b.costFunction;
      this.handlers = new HandlerLimits(this::newLimiter, b.apiKeyHeader, b.keyParts,
          b.keyExpressions);
    }

    /** A limiter the filter builds: on its backend, named for its listener. */
    RateLimiter newLimiter(String name, List<Limit> limits) {
      return newLimiter(name, limits, null);
    }

    /** {@link #newLimiter(String, List)} taking over {@code predecessor}'s keys, if non-null. */
    RateLimiter newLimiter(String name, List<Limit> limits, @Nullable RateLimiter predecessor) {
      RateLimiter.Builder b = RateLimiter.builder(limits).backend(backend).name(name);
      if (listener != null) {
        b.listener(listener);
      }
      if (predecessor != null) {
        b.predecessor(predecessor);
      }
      return b.build();
    }

    long cost(HttpServletRequest req, String path) {
      if (costFunction != null) {
        return Math.max(0, costFunction.applyAsLong(req));
      }
      for (CostRule r : costs) {
        if (r.pattern.matches(path)) {
          return r.cost;
        }
      }
      return 1;
    }
  }

  private record CostRule(PathPattern pattern, long cost) {}

  /**
   * Configures a {@link SluiceFilter}. Everything is optional: by default nothing is limited until
   * {@link #limits}, {@link #rules} or {@link RateLimited} handlers say so; keys are by client
   * address; headers are {@link HeaderStyle#X_RATELIMIT}, also on allowed responses; state is in
   * a {@link MemoryBackend} that the filter closes.
   */
  public static final class Builder {
    private List<Limit> limits = List.of();
    private @Nullable RateLimiter limiter;
    private @Nullable Backend backend;
    private boolean ownsBackend;
    private @Nullable KeyResolver keyResolver;
    private String keySpec = "ip";
    private String apiKeyHeader = "X-API-Key";
    private OnMissingKey onMissingKey = OnMissingKey.IP;
    private TrustedProxies proxies = TrustedProxies.none();
    private @Nullable Supplier<RuleSet> rules;
    private @Nullable String domain;
    private Enforcer.Counting counting = Enforcer.Counting.ALL_OR_NOTHING;
    private HeaderStyle headerStyle = HeaderStyle.X_RATELIMIT;
    private boolean headersOnAllowed = true;
    private DenialBody denialBody = DenialBody.PROBLEM;
    private String denialContentType = "application/problem+json";
    private final List<CostRule> costs = new ArrayList<>();
    private @Nullable ToLongFunction<HttpServletRequest> costFunction;
    private @Nullable LimiterListener listener;
    private @Nullable Object meterRegistry;
    private Map<String, ? extends Function<String, KeyPart>> keyParts = Map.of();
    private @Nullable Function<String, KeyResolver> keyExpressions;

    private Builder() {}

    /** Limits applied to every request, all-or-nothing, per key. */
    public Builder limits(List<Limit> limits) {
      this.limits = List.copyOf(limits);
      return this;
    }

    /**
     * Limits as text, e.g. {@code "5 per 10 seconds"} or {@code "2/minute;10/hour"}.
     *
     * @throws IllegalArgumentException from {@link Limit#parseAll}, naming the entry
     */
    public Builder limits(String text) {
      return limits(Limit.parseAll(text));
    }

    /** A ready limiter for the plain limits, instead of {@link #limits} (e.g. a Spring bean). */
    public Builder limiter(RateLimiter limiter) {
      this.limiter = Objects.requireNonNull(limiter, "limiter must not be null");
      return this;
    }

    /**
     * Where {@link #limits}, rules and handler limits keep state; the caller closes it. Default: a
     * {@link MemoryBackend} the filter creates and closes.
     */
    public Builder backend(Backend backend) {
      this.backend = Objects.requireNonNull(backend, "backend must not be null");
      return this;
    }

    /** How requests are told apart; default {@link KeyResolver#ip()}. */
    public Builder key(KeyResolver resolver) {
      this.keyResolver = Objects.requireNonNull(resolver, "key resolver must not be null");
      return this;
    }

    /**
     * The key as text ({@code ip}, {@code user}, {@code api-key}, {@code header:<Name>}, {@code
     * path}, {@code method}, joined by {@code +}), parsed at {@link #build()} with the {@link
     * #apiKeyHeader}.
     */
    public Builder key(String spec) {
      this.keySpec = Objects.requireNonNull(spec, "key must not be null");
      this.keyResolver = null;
      return this;
    }

    /**
     * A framework's own key parts by name ({@code jwt} for {@code jwt:sub}), for {@link
     * #key(String)}, the {@code key} setting and {@link RateLimited#key}; see {@link
     * KeyResolver#parse(String, String, Map)}.
     */
    public Builder keyParts(Map<String, ? extends Function<String, KeyPart>> parts) {
      this.keyParts = Map.copyOf(parts);
      return this;
    }

    /** The key parts given to {@link #keyParts}, for the settings that parse a key. */
    Map<String, ? extends Function<String, KeyPart>> keyParts() {
      return keyParts;
    }

    /**
     * Compiles {@link RateLimited#keyExpression}, throwing {@link IllegalArgumentException} for a
     * wrong one; without it an annotation with a key expression fails at start.
     */
    public Builder keyExpressions(Function<String, KeyResolver> compiler) {
      this.keyExpressions = Objects.requireNonNull(compiler, "compiler must not be null");
      return this;
    }

    /** The header {@code api-key} reads; default {@code X-API-Key}. */
    public Builder apiKeyHeader(String header) {
      this.apiKeyHeader = Objects.requireNonNull(header, "api key header must not be null");
      return this;
    }

    /** When the key needs an identity the request lacks; default {@link OnMissingKey#IP}. */
    public Builder onMissingKey(OnMissingKey onMissingKey) {
      this.onMissingKey = Objects.requireNonNull(onMissingKey, "onMissingKey must not be null");
      return this;
    }

    /** Proxies whose {@code Forwarded} / {@code X-Forwarded-For} are believed; default none. */
    public Builder trustedProxies(TrustedProxies proxies) {
      this.proxies = Objects.requireNonNull(proxies, "trusted proxies must not be null");
      return this;
    }

    /** {@link TrustedProxies#of} these addresses and CIDR ranges. */
    public Builder trustedProxies(String... cidrs) {
      return trustedProxies(TrustedProxies.of(List.of(cidrs)));
    }

    /** Envoy-style rules with routes, matched in {@code domain}. */
    public Builder rules(RuleSet rules, String domain) {
      Objects.requireNonNull(rules, "rules must not be null");
      return rules(() -> rules, domain);
    }

    /**
     * Rules read on every request from {@code rules} (so a reloading holder can swap them); a
     * null domain means the rules' only domain.
     */
    public Builder rules(Supplier<RuleSet> rules, @Nullable String domain) {
      this.rules = Objects.requireNonNull(rules, "rules must not be null");
      this.domain = domain;
      return this;
    }

    /**
     * How the descriptors a request's route produces are counted: {@link
     * Enforcer.Counting#ALL_OR_NOTHING} (the default: admitted only if every descriptor has room,
     * a refusal consuming from none) or {@link Enforcer.Counting#EACH} (envoy's: each on its own).
     */
    public Builder descriptorCounting(Enforcer.Counting counting) {
      this.counting = Objects.requireNonNull(counting, "descriptor counting must not be null");
      return this;
    }

    /** Which headers to send; default {@link HeaderStyle#X_RATELIMIT}. */
    public Builder headers(HeaderStyle style) {
      this.headerStyle = Objects.requireNonNull(style, "header style must not be null");
      return this;
    }

    /** Whether allowed responses carry the headers too; default true. */
    public Builder headersOnAllowed(boolean on) {
      this.headersOnAllowed = on;
      return this;
    }

    /**
     * The 429 body, a template where {@code {retryAfter}} (seconds), {@code {limit}} (count),
     * {@code {remaining}}, {@code {reset}} (seconds) and {@code {name}} (the limit's name, JSON
     * escaped) are replaced; e.g. {@code {"detail": "You've reached the limit!"}}. Default: an
     * RFC 9457 problem. Sets the content type to {@code application/json} unless given.
     */
    public Builder denialBody(String template) {
      this.denialBody = new DenialBody(Objects.requireNonNull(template, "body must not be null"));
      if (denialContentType.equals("application/problem+json")) {
        this.denialContentType = "application/json";
      }
      return this;
    }

    /** The 429 body's content type. */
    public Builder denialContentType(String contentType) {
      this.denialContentType = Objects.requireNonNull(contentType, "content type must not be null");
      return this;
    }

    /**
     * Requests whose path (without context path and query) matches {@code pathPattern} (a {@link
     * PathPattern}: {@code *} = any characters but {@code /}, {@code **} = anything) take {@code
     * cost} permits; the first matching pattern wins, others cost 1. Applies to plain limits and
     * rules.
     */
    public Builder cost(String pathPattern, long cost) {
      if (cost < 0) {
        throw new IllegalArgumentException("cost of " + pathPattern + " must be >= 0, was " + cost);
      }
      costs.add(new CostRule(PathPattern.compile(pathPattern), cost));
      return this;
    }

    /** Computes each request's cost instead of {@link #cost(String, long)}. */
    public Builder cost(ToLongFunction<HttpServletRequest> cost) {
      this.costFunction = Objects.requireNonNull(cost, "cost must not be null");
      return this;
    }

    /**
     * Hears every decision, wait, refund and reset of the limiters the filter builds (not of a
     * {@link #limiter} given ready), named as the {@linkplain SluiceFilter class} says.
     */
    public Builder listener(LimiterListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    /**
     * Counts the decisions of the limiters the filter builds in {@code registry}, a Micrometer
     * {@code io.micrometer.core.instrument.MeterRegistry} (typed {@code Object} so that the filter
     * loads without Micrometer), with {@code dev.sluice.micrometer.SluiceMetrics}, besides any
     * {@link #listener}; binds the gauges of the store when it is in memory ({@code
     * MemoryBackendMetrics}). Needs {@code dev.sluice:sluice-micrometer} on the class path.
     *
     * @throws IllegalStateException when sluice-micrometer or Micrometer is missing
     * @throws IllegalArgumentException when {@code registry} is not a {@code MeterRegistry}
     */
    public Builder meterRegistry(Object registry) {
      Objects.requireNonNull(registry, "registry must not be null");
      if (!MicrometerMetrics.available()) {
        throw new IllegalStateException("meterRegistry needs dev.sluice:sluice-micrometer and"
            + " Micrometer on the class path");
      }
      if (!MicrometerMetrics.isRegistry(registry)) {
        throw new IllegalArgumentException("meterRegistry: " + registry.getClass().getName()
            + " is not an io.micrometer.core.instrument.MeterRegistry");
      }
      this.meterRegistry = registry;
      return this;
    }

    /**
     * The filter.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public SluiceFilter build() {
      return new SluiceFilter(config());
    }

    Config config() {
      KeyResolver key = keyResolver;
      if (key == null) {
        try {
          key = KeyResolver.parse(keySpec, apiKeyHeader, keyParts);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("key: " + e.getMessage(), e);
        }
      }
      String d = "";
      if (rules != null) {
        d = domain;
        if (d == null) {
          List<Domain> all = rules.get().domains();
          if (all.size() != 1) {
            throw new IllegalArgumentException("domain: the rules hold " + all.size()
                + " domains; say which one to use");
          }
          d = all.get(0).name();
        }
      }
      Backend b = backend != null ? backend : MemoryBackend.create();
      LimiterListener l = listener;
      if (meterRegistry != null) {
        LimiterListener counting = MicrometerMetrics.listener(meterRegistry);
        l = l == null ? counting : LimiterListener.all(List.of(l, counting));
        MicrometerMetrics.bindStore(b, meterRegistry);
      }
      return new Config(this, b, key, d, l);
    }
  }

  /** The 429 body: an RFC 9457 problem, or a template. */
  static final class DenialBody {
    static final DenialBody PROBLEM = new DenialBody(null);

    private final @Nullable String template;

    DenialBody(@Nullable String template) {
      this.template = template;
    }

    /** The body for a denial decided by {@code s} (null: nothing limited it). */
    String render(@Nullable Status s) {
      Quota q = s == null ? null : s.limit();
      long retry = s == null || s.retryAfterMicros() == Long.MAX_VALUE
          ? -1 : RateLimitHeaders.retryAfterSeconds(s.retryAfterMicros());
      if (template == null) {
        StringBuilder b = new StringBuilder("{\"type\":\"about:blank\","
            + "\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"");
        if (q == null) {
          b.append("Rate limit exceeded.\"");
        } else if (retry < 0) {
          b.append("Rate limit ").append(Json.escape(q.name()))
              .append(" can never admit this request.\"");
        } else {
          b.append("Rate limit ").append(Json.escape(q.name()))
              .append(" exceeded; retry after ").append(retry)
              .append(retry == 1 ? " second." : " seconds.")
              .append("\",\"retryAfter\":").append(retry);
        }
        return b.append('}').toString();
      }
      return template
          .replace("{retryAfter}", Long.toString(Math.max(retry, 0)))
          .replace("{limit}", q == null ? "0" : Long.toString(q.count()))
          .replace("{remaining}", s == null || s.overLimit() ? "0" : Long.toString(s.remaining()))
          .replace("{reset}", s == null ? "0"
              : Long.toString(RateLimitHeaders.ceilSeconds(s.resetAfterMicros())))
          .replace("{name}", q == null ? "" : Json.escape(q.name()));
    }
  }
}
