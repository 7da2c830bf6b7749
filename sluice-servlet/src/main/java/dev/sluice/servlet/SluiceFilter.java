package dev.sluice.servlet;

import dev.sluice.Limit;
import dev.sluice.Decision;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.http.AddressRanges;
import dev.sluice.http.HandlerLimits;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.KeyPart;
import dev.sluice.http.KeyResolver;
import dev.sluice.http.OnMissingKey;
import dev.sluice.http.PathPattern;
import dev.sluice.http.RequestContext;
import dev.sluice.http.RequestLimiter;
import dev.sluice.http.Routes;
import dev.sluice.http.StatusCondition;
import dev.sluice.http.TrustedProxies;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A Jakarta Servlet filter that rate limits requests.
 *
 * <p>For each HTTP request it builds a {@link RequestContext} (method, path, the client address
 * as {@link TrustedProxies} allow, every header) and lets the {@link RequestLimiter} (the decision
 * every HTTP front end shares) apply, in this order, stopping at the first denial:
 *
 * <ol>
 *   <li>the exemptions ({@link Builder#exempt}, {@link Builder#exemptAddresses}, {@link
 *       Builder#exemptPaths}): an exempt request is not counted and gets no headers;
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
 * <p>With {@link Builder#countStatuses} only responses of those statuses count: the cost is held
 * before the handler and settled by the status after it (a handler that throws counts as 500; an
 * asynchronous request is settled when it completes).
 *
 * <p>A denied request gets 429 (or {@link Builder#refusalStatus}) with {@code Retry-After} and
 * the headers of the configured {@link HeaderStyle}, and a JSON body ({@code
 * application/problem+json} unless {@link Builder#denialBody} says otherwise). Allowed requests
 * get the same headers when {@link Builder#headersOnAllowed} (default on). When the key needs an
 * identity the request lacks (no or a malformed {@code Authorization}), the filter counts under
 * the client address or answers 401, as {@link OnMissingKey} says; it never throws for a bad
 * request, and a decision that fails is answered 500 with a problem body and logged (see {@link
 * RequestLimiter}).
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
  public static final String LIMITER_NAME = RequestLimiter.LIMITER_NAME;

  /**
   * Request attribute where {@link #applyHandler} leaves what it held for the filter to settle by
   * the final status ({@link Builder#countStatuses}).
   */
  private static final String PENDING_ATTRIBUTE = "dev.sluice.servlet.pending";

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
    long cost = c.cost(req, ctx);
    HandlerLimits.Handler handler = c.handlers.find(req).orElse(null);
    RequestLimiter.Outcome outcome = join(c.limiter.decide(ctx, cost, handler));
    if (outcome instanceof RequestLimiter.Respond r) {
      write(resp, r);
      return;
    }
    RequestLimiter.Proceed proceed = (RequestLimiter.Proceed) outcome;
    proceed.headers().forEach(resp::setHeader);
    List<RequestLimiter.Proceed> pending = new ArrayList<>(2);
    pending.add(proceed);
    req.setAttribute(PENDING_ATTRIBUTE, pending);
    boolean done = false;
    try {
      chain.doFilter(request, response);
      done = true;
    } finally {
      if (done && req.isAsyncStarted()) {
        req.getAsyncContext().addListener(new SettleOnCompletion(pending));
      } else {
        complete(pending, done ? resp.getStatus() : 500);
      }
    }
  }

  /** Settles what the request held by its final status. */
  private static void complete(List<RequestLimiter.Proceed> pending, int status) {
    for (RequestLimiter.Proceed p : pending) {
      join(p.complete(status));
    }
  }

  /** Settles an asynchronous request's holds when it completes (a failed one as 500). */
  private static final class SettleOnCompletion implements AsyncListener {
    private final List<RequestLimiter.Proceed> pending;
    private volatile boolean failed;

    SettleOnCompletion(List<RequestLimiter.Proceed> pending) {
      this.pending = pending;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      int status = failed ? 500 : event.getSuppliedResponse() instanceof HttpServletResponse r
          ? r.getStatus() : 500;
      for (RequestLimiter.Proceed p : pending) {
        p.complete(status);
      }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      failed = true;
    }

    @Override
    public void onError(AsyncEvent event) {
      failed = true;
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  /**
   * Applies one handler's {@link RateLimited} limits, for frameworks that know the handler only
   * after the filter has run (the Spring MVC interceptor of {@code sluice-spring-boot-starter}).
   * Answers the refusal (or 401) itself when denied; sets the headers on an allowed response as
   * configured. With {@link Builder#countStatuses}, what it holds is settled by the filter when
   * the request went through it (else it counts at its cost).
   *
   * @param handlerId what names the handler (its counters are its own)
   * @return whether the request may go on
   * @throws IllegalArgumentException when the annotation is invalid
   */
  public boolean applyHandler(HttpServletRequest request, HttpServletResponse response,
      String handlerId, RateLimited annotation) throws IOException {
    Config c = Objects.requireNonNull(config, "filter not initialised");
    HandlerLimits.Handler h = RateLimitedHandlers.of(c.limiter, handlerId, annotation);
    RequestLimiter.Outcome outcome = join(c.limiter.decideHandler(context(c, request), h));
    if (outcome instanceof RequestLimiter.Respond r) {
      write(response, r);
      return false;
    }
    RequestLimiter.Proceed proceed = (RequestLimiter.Proceed) outcome;
    proceed.headers().forEach(response::setHeader);
    if (proceed.awaitsStatus()
        && request.getAttribute(PENDING_ATTRIBUTE) instanceof List<?> pending) {
      @SuppressWarnings("unchecked")
      List<RequestLimiter.Proceed> list = (List<RequestLimiter.Proceed>) pending;
      list.add(proceed);
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
    RateLimitedHandlers.of(requestLimiter(), handlerId, annotation);
  }

  /**
   * Answers a refusal decided outside the filter (a rate limited method the request called,
   * say), with the filter's refusal status, headers and body for {@code decision}.
   */
  public void refuse(HttpServletResponse response, Decision decision) throws IOException {
    write(response, requestLimiter().refusal(
        Verdict.of(Status.of(decision, List.of(decision.limit())))));
  }

  /** The pipeline shared with other front ends, as this filter configured it. */
  public RequestLimiter requestLimiter() {
    return Objects.requireNonNull(config, "filter not initialised").limiter;
  }

  private static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private static void write(HttpServletResponse resp, RequestLimiter.Respond r)
      throws IOException {
    resp.setStatus(r.status());
    r.headers().forEach(resp::setHeader);
    byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
    resp.setContentType(r.contentType());
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
    if (c != null) {
      c.limiter.close();
    }
  }

  /** The applied configuration, immutable. */
  private static final class Config {
    final RequestLimiter limiter;
    final TrustedProxies proxies;
    final @Nullable ToLongFunction<HttpServletRequest> costFunction;
    final RateLimitedHandlers handlers;

    Config(RequestLimiter limiter, TrustedProxies proxies,
        @Nullable ToLongFunction<HttpServletRequest> costFunction) {
      this.limiter = limiter;
      this.proxies = proxies;
      this.costFunction = costFunction;
      this.handlers = new RateLimitedHandlers(limiter);
    }

    long cost(HttpServletRequest req, RequestContext ctx) {
      if (costFunction != null) {
        return Math.max(0, costFunction.applyAsLong(req));
      }
      return limiter.cost(ctx);
    }
  }

  /**
   * Configures a {@link SluiceFilter}. Everything is optional: by default nothing is limited until
   * {@link #limits}, {@link #rules} or {@link RateLimited} handlers say so; keys are by client
   * address; headers are {@link HeaderStyle#X_RATELIMIT}, also on allowed responses; state is in
   * a {@link MemoryBackend} that the filter closes.
   */
  public static final class Builder {
    private final RequestLimiter.Builder pipeline;
    private @Nullable Backend backend;
    private boolean ownsBackend;
    private TrustedProxies proxies = TrustedProxies.none();
    private @Nullable ToLongFunction<HttpServletRequest> costFunction;
    private @Nullable LimiterListener listener;
    private @Nullable Object meterRegistry;

    private Builder() {
      this(RequestLimiter.builder());
    }

    /**
     * A builder whose pipeline settings go to {@code pipeline}, for {@link
     * SluiceSettings#configure(RequestLimiter.Builder, Settings)}: the filter's own (backend,
     * trusted proxies, listener) stay here, unused.
     */
    Builder(RequestLimiter.Builder pipeline) {
      this.pipeline = pipeline;
    }

    /** Limits applied to every request, all-or-nothing, per key. */
    public Builder limits(List<Limit> limits) {
      pipeline.limits(limits);
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
      pipeline.limiter(limiter);
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
      pipeline.key(resolver);
      return this;
    }

    /**
     * The key as text ({@code ip}, {@code user}, {@code api-key}, {@code header:<Name>}, {@code
     * path}, {@code method}, joined by {@code +}), parsed at {@link #build()} with the {@link
     * #apiKeyHeader}.
     */
    public Builder key(String spec) {
      pipeline.key(spec);
      return this;
    }

    /**
     * A framework's own key parts by name ({@code jwt} for {@code jwt:sub}), for {@link
     * #key(String)}, the {@code key} setting and {@link RateLimited#key}; see {@link
     * KeyResolver#parse(String, String, Map)}.
     */
    public Builder keyParts(Map<String, ? extends Function<String, KeyPart>> parts) {
      pipeline.keyParts(parts);
      return this;
    }

    /** The key parts given to {@link #keyParts}, for the settings that parse a key. */
    Map<String, ? extends Function<String, KeyPart>> keyParts() {
      return pipeline.keyParts();
    }

    /**
     * Compiles {@link RateLimited#keyExpression}, throwing {@link IllegalArgumentException} for a
     * wrong one; without it an annotation with a key expression fails at start.
     */
    public Builder keyExpressions(Function<String, KeyResolver> compiler) {
      pipeline.keyExpressions(compiler);
      return this;
    }

    /** The header {@code api-key} reads; default {@code X-API-Key}. */
    public Builder apiKeyHeader(String header) {
      pipeline.apiKeyHeader(header);
      return this;
    }

    /** When the key needs an identity the request lacks; default {@link OnMissingKey#IP}. */
    public Builder onMissingKey(OnMissingKey onMissingKey) {
      pipeline.onMissingKey(onMissingKey);
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
      pipeline.rules(rules, domain);
      return this;
    }

    /**
     * How the descriptors a request's route produces are counted: {@link
     * Enforcer.Counting#ALL_OR_NOTHING} (the default: admitted only if every descriptor has room,
     * a refusal consuming from none) or {@link Enforcer.Counting#EACH} (envoy's: each on its own).
     */
    public Builder descriptorCounting(Enforcer.Counting counting) {
      pipeline.descriptorCounting(counting);
      return this;
    }

    /** Which headers to send; default {@link HeaderStyle#X_RATELIMIT}. */
    public Builder headers(HeaderStyle style) {
      pipeline.headers(style);
      return this;
    }

    /** Whether allowed responses carry the headers too; default true. */
    public Builder headersOnAllowed(boolean on) {
      pipeline.headersOnAllowed(on);
      return this;
    }

    /**
     * The 429 body, a template where {@code {retryAfter}} (seconds), {@code {limit}} (count),
     * {@code {remaining}}, {@code {reset}} (seconds) and {@code {name}} (the limit's name, JSON
     * escaped) are replaced; e.g. {@code {"detail": "You've reached the limit!"}}. Default: an
     * RFC 9457 problem. Sets the content type to {@code application/json} unless given.
     */
    public Builder denialBody(String template) {
      pipeline.denialBody(template);
      return this;
    }

    /** The 429 body's content type. */
    public Builder denialContentType(String contentType) {
      pipeline.denialContentType(contentType);
      return this;
    }

    /**
     * Requests whose path (without context path and query) matches {@code pathPattern} (a {@link
     * PathPattern}: {@code *} = any characters but {@code /}, {@code **} = anything) take {@code
     * cost} permits; the first matching pattern wins, others cost 1. Applies to plain limits and
     * rules.
     */
    public Builder cost(String pathPattern, long cost) {
      pipeline.cost(pathPattern, cost);
      return this;
    }

    /**
     * Requests {@code exempt} accepts (it sees the request as {@link RequestContext}: method,
     * path, client address after trusted proxies, headers) are neither counted nor given headers.
     * Several exemptions add up: any one exempts.
     */
    public Builder exempt(Predicate<RequestContext> exempt) {
      pipeline.exempt(exempt);
      return this;
    }

    /**
     * Requests from these client addresses or CIDR ranges (after {@link #trustedProxies}) are
     * exempt: {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code fd00::/8}.
     *
     * @throws IllegalArgumentException {@code "exempt-addresses: ..."} naming the wrong entry
     */
    public Builder exemptAddresses(String... cidrs) {
      AddressRanges ranges;
      try {
        ranges = AddressRanges.of(List.of(cidrs));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("exempt-addresses: " + e.getMessage(), e);
      }
      pipeline.exemptAddresses(ranges);
      return this;
    }

    /**
     * Requests whose path (without context path and query) matches one of these {@link
     * PathPattern} globs are exempt: {@code /health}, {@code /actuator/**}.
     *
     * @throws IllegalArgumentException {@code "exempt-paths: ..."} naming the wrong pattern
     */
    public Builder exemptPaths(String... patterns) {
      try {
        pipeline.exemptPaths(List.of(patterns));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("exempt-paths: " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * Counts only requests whose response status matches {@code statuses}: statuses, ranges and
     * classes, comma-separated ({@code 401,403}, {@code 400-499}, {@code 5xx}). The cost is held
     * before the handler, refused like any request when there is no room, and settled after it:
     * at the cost when the status matches, at 0 otherwise. A handler that throws counts as 500.
     * Not with {@link #descriptorCounting} {@code EACH} (rules are held all or nothing).
     *
     * @throws IllegalArgumentException {@code "count-statuses: ..."} naming the wrong entry
     */
    public Builder countStatuses(String statuses) {
      StatusCondition c;
      try {
        c = StatusCondition.parse(statuses);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("count-statuses: " + e.getMessage(), e);
      }
      pipeline.countStatuses(c);
      return this;
    }

    /**
     * How long a hold of {@link #countStatuses} waits for the response; a request taking longer
     * counts at its cost. Default 1 minute.
     */
    public Builder holdTimeout(Duration timeout) {
      pipeline.holdTimeout(timeout);
      return this;
    }

    /**
     * The status of a refusal, 400 to 599; default 429.
     *
     * @throws IllegalArgumentException {@code "refusal-status: ..."} for another status
     */
    public Builder refusalStatus(int status) {
      pipeline.refusalStatus(status);
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
      Backend b = backend != null ? backend : MemoryBackend.create();
      LimiterListener l = listener;
      if (meterRegistry != null) {
        LimiterListener counting = MicrometerMetrics.listener(meterRegistry);
        l = l == null ? counting : LimiterListener.all(List.of(l, counting));
        MicrometerMetrics.bindStore(b, meterRegistry);
      }
      RequestLimiter limiter = pipeline.backend(b).closeBackend(ownsBackend || backend == null)
          .listener(l).build();
      return new Config(limiter, proxies, costFunction);
    }
  }
}
