package dev.sluice.http;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Item;
import dev.sluice.enforcement.ModeBackends;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Domain;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The decision on one HTTP request, the same for every HTTP front end (the servlet filter, a
 * reactive filter): framework-neutral and non-blocking. Given a {@link RequestContext}, a cost and
 * optionally the handler the request goes to, {@link #decide} applies, in this order, stopping at
 * the first denial:
 *
 * <ol>
 *   <li>the exemptions ({@link Builder#exempt}, {@link Builder#exemptAddresses}, {@link
 *       Builder#exemptPaths}): an exempt request is neither counted nor given headers;
 *   <li>the plain limits ({@link Builder#limits}), under the key from the {@link KeyResolver};
 *   <li>the handler's limits ({@link HandlerLimits.Handler}: a {@code @RateLimited} method), under
 *       its own key and cost;
 *   <li>the rules ({@link Builder#rules}): the descriptors of the first route covering the request
 *       ({@link Routes}), decided by the enforcement layer ({@link Enforcer}), all or nothing
 *       unless {@link Builder#descriptorCounting} says each.
 * </ol>
 *
 * <p>Each step is all-or-nothing on its own; the steps are not atomic together (a later denial
 * does not give back what an earlier step took, except with {@link Builder#countStatuses}). The
 * outcome describes the deciding limit of all steps ({@link Verdict#deciding()}).
 *
 * <p>The {@link Outcome} is either {@link Proceed} (run the handler, with these headers) or {@link
 * Respond} (answer with this status, headers and body instead): the refusal status ({@link
 * Builder#refusalStatus}, default 429) with {@code Retry-After}, the headers of the {@link
 * HeaderStyle} and a JSON body; or 401 when the key needs an identity the request lacks and
 * {@link OnMissingKey#REJECT} is set.
 *
 * <p><b>Counting only some responses.</b> With {@link Builder#countStatuses} each step holds the
 * cost before the handler ({@link RateLimiter#holdAsync}, {@link Enforcer#hold}), refused like any
 * request when there is no room, and the front end calls {@link Proceed#complete} with the final
 * status: a matching status settles at the cost, any other at 0 (a refund). In-flight requests
 * hold their cost, so concurrent requests never get past the limit. A hold never completed counts
 * at its cost and ends after {@link Builder#holdTimeout}.
 *
 * <p><b>Failures.</b> A request whose decision fails (a key resolver or exemption that throws, a
 * limiter that fails outside its backend's failure policy) is answered 500 with a problem body
 * naming no internals; the cause is logged ({@link System.Logger}, {@code dev.sluice.http}).
 *
 * <p>Thread-safe. Build one with {@link #builder()}; {@link #close()} closes the backend when the
 * limiter created it.
 */
public final class RequestLimiter implements AutoCloseable {

  /** The name of the limiter of the plain limits, as its {@link LimiterListener} hears it. */
  public static final String LIMITER_NAME = "filter";

  private static final System.Logger LOG = System.getLogger("dev.sluice.http");

  /** The answer to a request whose decision failed: no internals. */
  private static final Respond FAILED = new Respond(500, Map.of(), "application/problem+json",
      "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
      + "\"detail\":\"The rate limit of this request could not be decided.\"}");

  private final @Nullable RateLimiter limiter;
  private final Backend backend;
  private final boolean closeBackend;
  private final KeyResolver keyResolver;
  private final OnMissingKey onMissingKey;
  private final @Nullable Enforcer enforcer;
  private final Supplier<Routes> routes;
  private final String domain;
  private final Enforcer.Counting counting;
  private final HeaderStyle headerStyle;
  private final boolean headersOnAllowed;
  private final DenialBody denialBody;
  private final String denialContentType;
  private final int refusalStatus;
  private final @Nullable StatusCondition countStatuses;
  private final Duration holdTimeout;
  private final @Nullable Predicate<RequestContext> exemption;
  private final List<CostRule> costs;
  private final HandlerLimits handlers;
  private final @Nullable LimiterListener listener;

  private RequestLimiter(Builder b, Backend backend, KeyResolver key, String domain) {
    this.backend = backend;
    this.closeBackend = b.closeBackend != null ? b.closeBackend : b.backend == null;
    this.listener = b.listener;
    this.limiter = b.limiter != null ? b.limiter
        : b.limits.isEmpty() ? null : newLimiter(LIMITER_NAME, b.limits, null);
    this.keyResolver = key;
    this.onMissingKey = b.onMissingKey;
    Supplier<RuleSet> rules = b.rules;
    // Rules are decided on the backend, every rule consistently (no eventual mode here); the
    // limiters are named for the listener.
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
    this.refusalStatus = b.refusalStatus;
    this.countStatuses = b.countStatuses;
    this.holdTimeout = b.holdTimeout;
    this.exemption = b.exemption();
    this.costs = List.copyOf(b.costs);
    this.handlers = new HandlerLimits((id, limits) -> newLimiter(id, limits, null),
        b.apiKeyHeader, b.keyParts, b.keyExpressions);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides {@code request}: exemptions, plain limits, the handler's limits, then the rules.
   * Never completes exceptionally: a failure becomes a 500 {@link Respond}.
   *
   * @param cost the permits the request takes from the plain limits and the rules ({@link
   *     #cost(RequestContext)} by path, or the front end's own)
   * @param handler the handler the request goes to, when known and rate limited
   */
  public CompletionStage<Outcome> decide(RequestContext request, long cost,
      HandlerLimits.@Nullable Handler handler) {
    return run(request, cost, handler, true);
  }

  /**
   * Decides only {@code handler}'s limits (after exemptions), for frameworks that know the handler
   * after the filter ran (a Spring MVC interceptor).
   */
  public CompletionStage<Outcome> decideHandler(RequestContext request,
      HandlerLimits.Handler handler) {
    return run(request, 0, Objects.requireNonNull(handler, "handler must not be null"), false);
  }

  /** Whether {@code request} is exempt: not counted, no headers. */
  public boolean exempt(RequestContext request) {
    return exemption != null && exemption.test(request);
  }

  /** The cost of {@code request} by the path costs ({@link Builder#cost}): 1 unless one matches. */
  public long cost(RequestContext request) {
    String path = request.path();
    for (CostRule r : costs) {
      if (r.pattern.matches(path)) {
        return r.cost;
      }
    }
    return 1;
  }

  /**
   * The handler of a rate limited method (a {@code @RateLimited} annotation's elements), its
   * limiter created on first use and kept under {@code id}.
   *
   * @param id what names the handler ({@code com.example.Orders#create}); its counters are its own
   * @param limits the limits' text, e.g. {@code 5/minute}
   * @param algorithm how they count
   * @param key the key spec, blank for the limiter's own key
   * @param cost the permits one call takes, {@code >= 0}
   * @throws IllegalArgumentException {@code "@RateLimited on <id>: <problem>"}
   */
  public HandlerLimits.Handler handler(String id, String limits, Algorithm algorithm, String key,
      long cost) {
    return handler(id, limits, algorithm, key, "", cost);
  }

  /**
   * {@link #handler(String, String, Algorithm, String, long)} keyed by {@code keyExpression} when
   * it is not blank ({@link Builder#keyExpressions}; not together with {@code key}).
   *
   * @throws IllegalArgumentException {@code "@RateLimited on <id>: <problem>"}
   */
  public HandlerLimits.Handler handler(String id, String limits, Algorithm algorithm, String key,
      String keyExpression, long cost) {
    return handlers.handler(id, limits, algorithm, key, keyExpression, cost);
  }

  /** The backend holding the counters. */
  public Backend backend() {
    return backend;
  }

  /** Closes the backend if this limiter created it (or was told to close it). */
  @Override
  public void close() {
    if (closeBackend) {
      backend.close();
    }
  }

  private RateLimiter newLimiter(String name, List<Limit> limits,
      @Nullable RateLimiter predecessor) {
    RateLimiter.Builder b = RateLimiter.builder(limits).backend(backend).name(name);
    if (listener != null) {
      b.listener(listener);
    }
    if (predecessor != null) {
      b.predecessor(predecessor);
    }
    return b.build();
  }

  private CompletionStage<Outcome> run(RequestContext request, long cost,
      HandlerLimits.@Nullable Handler handler, boolean all) {
    Progress p = new Progress();
    CompletableFuture<Void> chain;
    try {
      if (exempt(request)) {
        return CompletableFuture.completedFuture(Proceed.NOTHING);
      }
      chain = CompletableFuture.completedFuture(null);
      RateLimiter plain = limiter;
      if (all && plain != null) {
        chain = chain.thenCompose(x -> limit(p, request, keyResolver, plain, k -> k, cost));
      }
      if (handler != null) {
        KeyResolver resolver = handler.key() != null ? handler.key() : keyResolver;
        chain = chain.thenCompose(x -> p.stopped() ? done()
            : limit(p, request, resolver, handler.limiter(), k -> "@" + handler.id() + "|" + k,
                handler.cost()));
      }
      Enforcer e = enforcer;
      if (all && e != null) {
        chain = chain.thenCompose(x -> p.stopped() ? done() : rules(p, e, request, cost));
      }
    } catch (RuntimeException e) {
      chain = CompletableFuture.failedFuture(e);
    }
    return chain.handle((x, e) -> e == null ? finish(p) : failed(p, request, e))
        .thenCompose(o -> o)
        .exceptionally(e -> {
          LOG.log(System.Logger.Level.WARNING, "rate limit answer failed", e);
          return FAILED;
        });
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  /** One step of plain or handler limits: takes (or holds) {@code cost} under the key. */
  private CompletableFuture<Void> limit(Progress p, RequestContext request, KeyResolver resolver,
      RateLimiter l, Function<String, String> counterKey, long cost) {
    String key = key(p, resolver, request);
    if (key == null) {
      return done();
    }
    String k = counterKey.apply(key);
    if (countStatuses == null) {
      return l.tryAcquireAsync(k, cost).toCompletableFuture()
          .thenAccept(d -> p.and(Verdict.of(Status.of(d, l.limits()))));
    }
    return l.holdAsync(k, cost, holdTimeout).toCompletableFuture().thenAccept(h -> {
      p.and(Verdict.of(Status.of(h.decision(), l.limits())));
      if (h.held()) {
        String id = Objects.requireNonNull(h.id());
        p.holds.add(new Held(cost, actual -> l.settleAsync(h.key(), id, actual)));
      }
    });
  }

  /** The rules' step for the request's descriptors. */
  private CompletableFuture<Void> rules(Progress p, Enforcer e, RequestContext request,
      long cost) {
    List<RuleMatch> matches = routes.get().match(domain, request);
    if (matches.isEmpty()) {
      return done();
    }
    if (countStatuses == null) {
      return e.decideMatches(domain, matches, cost, counting).thenAccept(p::and);
    }
    List<Item> items = new ArrayList<>(matches.size());
    for (RuleMatch m : matches) {
      items.add(new Item(m.descriptor(), cost));
    }
    return e.hold(domain, items, holdTimeout).thenAccept(held -> {
      p.and(held.verdict());
      if (held.held()) {
        p.holds.add(new Held(cost,
            actual -> e.settle(domain, held.descriptors(), held.holdIds(), actual)));
      }
    });
  }

  /** The key, or null after setting the 401 answer when the request lacks an identity. */
  private @Nullable String key(Progress p, KeyResolver resolver, RequestContext request) {
    Optional<String> key = resolver.resolve(request);
    if (key.isPresent()) {
      return key.get();
    }
    if (onMissingKey == OnMissingKey.IP) {
      return resolver.resolveWithIpFallback(request);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (resolver.usesUser()) {
      headers.put("WWW-Authenticate", "Basic realm=\"sluice\", charset=\"UTF-8\"");
    }
    p.respond = new Respond(401, headers, "application/problem+json", "{\"type\":\"about:blank\","
        + "\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"This resource is rate limited"
        + " per " + Json.escape(resolver.toString()) + "; send credentials that identify you.\"}");
    return null;
  }

  /**
   * The answer to a refusal: the refusal status, the headers and the body as configured, for
   * {@code verdict} (a denied one). Front ends use it for refusals decided outside this pipeline
   * too (a rate limited method that a handler called).
   */
  public Respond refusal(Verdict verdict) {
    return new Respond(refusalStatus, RateLimitHeaders.of(verdict, headerStyle),
        denialContentType, denialBody.render(verdict.deciding(), refusalStatus));
  }

  private CompletableFuture<Outcome> finish(Progress p) {
    Respond respond = p.respond;
    if (respond == null && !p.verdict.allowed()) {
      respond = refusal(p.verdict);
    }
    if (respond != null) {
      Respond r = respond;
      return settle(p.holds, r.status()).thenApply(x -> r);
    }
    Map<String, String> headers = headersOnAllowed
        ? RateLimitHeaders.of(p.verdict, headerStyle) : Map.of();
    return CompletableFuture.completedFuture(new Proceed(headers,
        p.holds.isEmpty() ? null : status -> settle(p.holds, status)));
  }

  /** Settles every hold at its cost when {@code status} counts, at 0 otherwise. */
  private CompletableFuture<Void> settle(List<Held> holds, int status) {
    StatusCondition c = countStatuses;
    if (holds.isEmpty() || c == null) {
      return done();
    }
    boolean counts = c.matches(status);
    List<CompletableFuture<?>> all = new ArrayList<>(holds.size());
    for (Held h : holds) {
      all.add(h.settle.apply(counts ? h.cost : 0).toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture<?>[]::new));
  }

  /** The 500 answer to a failed decision; what was held is settled as for a 500. */
  private CompletableFuture<Outcome> failed(Progress p, RequestContext request, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null
        ? e.getCause() : e;
    LOG.log(System.Logger.Level.WARNING, "rate limit decision failed for " + request.method()
        + " " + request.path() + "; answering 500", cause);
    List<Held> holds;
    synchronized (p.holds) {
      holds = List.copyOf(p.holds);
    }
    return settle(holds, 500).handle((x, ignored) -> FAILED);
  }

  /** What the steps so far decided. */
  private static final class Progress {
    volatile Verdict verdict = Verdict.empty();
    volatile @Nullable Respond respond;
    final List<Held> holds = Collections.synchronizedList(new ArrayList<>());

    void and(Verdict next) {
      verdict = verdict.and(next);
    }

    boolean stopped() {
      return respond != null || !verdict.allowed();
    }
  }

  /** One step's hold, settled with the actual cost. */
  private record Held(long cost, Function<Long, CompletionStage<?>> settle) {}

  private record CostRule(PathPattern pattern, long cost) {}

  /** What a request gets: {@link Proceed} or {@link Respond}. */
  public sealed interface Outcome permits Proceed, Respond {}

  /**
   * The request goes on to its handler, with {@link #headers()} set on the response; the front
   * end calls {@link #complete(int)} with the response's final status once the handler is done
   * (also when it failed: 500).
   */
  public static final class Proceed implements Outcome {

    static final Proceed NOTHING = new Proceed(Map.of(), null);

    private final Map<String, String> headers;
    private final @Nullable Function<Integer, CompletableFuture<Void>> completion;
    private final AtomicBoolean completed = new AtomicBoolean();

    Proceed(Map<String, String> headers,
        @Nullable Function<Integer, CompletableFuture<Void>> completion) {
      this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      this.completion = completion;
    }

    /** The rate limit headers to set on the response, in a stable order (may be empty). */
    public Map<String, String> headers() {
      return headers;
    }

    /**
     * Whether {@link #complete(int)} has work to do: something was held to settle by the final
     * status ({@link Builder#countStatuses}). When false, calling it is optional.
     */
    public boolean awaitsStatus() {
      return completion != null;
    }

    /**
     * Settles what was held by the response's final status (a matching status counts the cost,
     * another gives it back); only the first call does anything.
     */
    public CompletionStage<Void> complete(int status) {
      if (completion == null || !completed.compareAndSet(false, true)) {
        return CompletableFuture.completedFuture(null);
      }
      return completion.apply(status);
    }
  }

  /** The front end answers instead of the handler: status, headers, content type and body. */
  public record Respond(int status, Map<String, String> headers, String contentType, String body)
      implements Outcome {

    public Respond {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }
  }

  /**
   * Configures a {@link RequestLimiter}. Everything is optional: by default nothing is limited
   * until {@link #limits}, {@link #rules} or handlers say so; keys are by client address; headers
   * are {@link HeaderStyle#X_RATELIMIT}, also on allowed responses; state is in a {@link
   * MemoryBackend} that {@link RequestLimiter#close()} closes.
   */
  public static final class Builder {
    private List<Limit> limits = List.of();
    private @Nullable RateLimiter limiter;
    private @Nullable Backend backend;
    private @Nullable Boolean closeBackend;
    private @Nullable KeyResolver keyResolver;
    private String keySpec = "ip";
    private String apiKeyHeader = "X-API-Key";
    private Map<String, ? extends Function<String, KeyPart>> keyParts = Map.of();
    private @Nullable Function<String, KeyResolver> keyExpressions;
    private OnMissingKey onMissingKey = OnMissingKey.IP;
    private @Nullable Supplier<RuleSet> rules;
    private @Nullable String domain;
    private Enforcer.Counting counting = Enforcer.Counting.ALL_OR_NOTHING;
    private HeaderStyle headerStyle = HeaderStyle.X_RATELIMIT;
    private boolean headersOnAllowed = true;
    private DenialBody denialBody = DenialBody.PROBLEM;
    private String denialContentType = "application/problem+json";
    private int refusalStatus = 429;
    private @Nullable StatusCondition countStatuses;
    private Duration holdTimeout = Duration.ofMinutes(1);
    private final List<Predicate<RequestContext>> exemptions = new ArrayList<>();
    private final List<CostRule> costs = new ArrayList<>();
    private @Nullable LimiterListener listener;

    private Builder() {}

    /** Limits applied to every request, all-or-nothing, per key. */
    public Builder limits(List<Limit> limits) {
      this.limits = List.copyOf(limits);
      return this;
    }

    /** A ready limiter for the plain limits, instead of {@link #limits} (e.g. a Spring bean). */
    public Builder limiter(RateLimiter limiter) {
      this.limiter = Objects.requireNonNull(limiter, "limiter must not be null");
      return this;
    }

    /**
     * Where limits, rules and handler limits keep state; the caller closes it unless {@link
     * #closeBackend} says otherwise. Default: a {@link MemoryBackend} the limiter creates and
     * closes.
     */
    public Builder backend(Backend backend) {
      this.backend = Objects.requireNonNull(backend, "backend must not be null");
      return this;
    }

    /** Whether {@link RequestLimiter#close()} closes the backend; default only one it created. */
    public Builder closeBackend(boolean close) {
      this.closeBackend = close;
      return this;
    }

    /** How requests are told apart; default {@link KeyResolver#ip()}. */
    public Builder key(KeyResolver resolver) {
      this.keyResolver = Objects.requireNonNull(resolver, "key resolver must not be null");
      return this;
    }

    /** The key as text, parsed at {@link #build()} with the {@link #apiKeyHeader}. */
    public Builder key(String spec) {
      this.keySpec = Objects.requireNonNull(spec, "key must not be null");
      this.keyResolver = null;
      return this;
    }

    /**
     * A framework's own key parts by name ({@code jwt} for {@code jwt:sub}), for {@link
     * #key(String)} and handlers' keys; see {@link KeyResolver#parse(String, String, Map)}.
     */
    public Builder keyParts(Map<String, ? extends Function<String, KeyPart>> parts) {
      this.keyParts = Map.copyOf(parts);
      return this;
    }

    /** The key parts given to {@link #keyParts}, for whoever parses a key for this builder. */
    public Map<String, ? extends Function<String, KeyPart>> keyParts() {
      return keyParts;
    }

    /**
     * Compiles the key expressions of handlers ({@code keyExpression} of {@code @RateLimited}),
     * throwing {@link IllegalArgumentException} for a wrong one; without it a handler with a key
     * expression is refused.
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

    /**
     * Rules read on every request from {@code rules} (so a reloading holder can swap them); a
     * null domain means the rules' only domain.
     */
    public Builder rules(Supplier<RuleSet> rules, @Nullable String domain) {
      this.rules = Objects.requireNonNull(rules, "rules must not be null");
      this.domain = domain;
      return this;
    }

    /** How a route's descriptors are counted; default {@link Enforcer.Counting#ALL_OR_NOTHING}. */
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
     * The refusal's body, a template where {@code {retryAfter}} (seconds), {@code {limit}}
     * (count), {@code {remaining}}, {@code {reset}} (seconds) and {@code {name}} (the limit's
     * name, JSON escaped) are replaced. Default: an RFC 9457 problem. Sets the content type to
     * {@code application/json} unless given.
     */
    public Builder denialBody(String template) {
      this.denialBody = new DenialBody(Objects.requireNonNull(template, "body must not be null"));
      if (denialContentType.equals("application/problem+json")) {
        this.denialContentType = "application/json";
      }
      return this;
    }

    /** The refusal body's content type. */
    public Builder denialContentType(String contentType) {
      this.denialContentType = Objects.requireNonNull(contentType, "content type must not be null");
      return this;
    }

    /**
     * The status of a refusal; default 429.
     *
     * @throws IllegalArgumentException {@code "refusal-status: ..."} unless 400 to 599
     */
    public Builder refusalStatus(int status) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("refusal-status: must be a client or server error"
            + " status (400-599), was " + status);
      }
      this.refusalStatus = status;
      return this;
    }

    /**
     * Counts only requests whose response status matches: the cost is held before the handler
     * and settled by the final status ({@link Proceed#complete}); refusals and 401s count only
     * when their own status matches. Rules are then held all or nothing: {@link
     * #descriptorCounting} {@code EACH} is refused at {@link #build()}.
     */
    public Builder countStatuses(StatusCondition statuses) {
      this.countStatuses = Objects.requireNonNull(statuses, "statuses must not be null");
      return this;
    }

    /**
     * How long a hold of {@link #countStatuses} waits for its response's status; a request taking
     * longer counts at its cost. Default 1 minute.
     */
    public Builder holdTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("hold timeout must be positive, was " + timeout);
      }
      this.holdTimeout = timeout;
      return this;
    }

    /** Requests {@code exempt} accepts are neither counted nor given headers. */
    public Builder exempt(Predicate<RequestContext> exempt) {
      exemptions.add(Objects.requireNonNull(exempt, "exemption must not be null"));
      return this;
    }

    /** Requests from a client address (after trusted proxies) in {@code ranges} are exempt. */
    public Builder exemptAddresses(AddressRanges ranges) {
      Objects.requireNonNull(ranges, "ranges must not be null");
      if (!ranges.isEmpty()) {
        exemptions.add(r -> r.clientAddress().map(ranges::contains).orElse(false));
      }
      return this;
    }

    /**
     * Requests whose path (without query) matches one of {@code patterns} ({@link PathPattern}
     * globs, each starting with {@code /}) are exempt.
     *
     * @throws IllegalArgumentException naming the pattern that is wrong
     */
    public Builder exemptPaths(List<String> patterns) {
      List<PathPattern> compiled = new ArrayList<>();
      for (String p : patterns) {
        String t = p.trim();
        if (!t.startsWith("/")) {
          throw new IllegalArgumentException("'" + p + "' is not a path pattern: it must start"
              + " with / (e.g. /health, /actuator/**)");
        }
        compiled.add(PathPattern.compile(t));
      }
      if (!compiled.isEmpty()) {
        exemptions.add(r -> {
          String path = r.path();
          for (PathPattern p : compiled) {
            if (p.matches(path)) {
              return true;
            }
          }
          return false;
        });
      }
      return this;
    }

    /**
     * Requests whose path matches {@code pathPattern} (a {@link PathPattern}) take {@code cost}
     * permits; the first matching pattern wins, others cost 1.
     */
    public Builder cost(String pathPattern, long cost) {
      if (cost < 0) {
        throw new IllegalArgumentException("cost of " + pathPattern + " must be >= 0, was " + cost);
      }
      costs.add(new CostRule(PathPattern.compile(pathPattern), cost));
      return this;
    }

    /** Hears every decision of the limiters this builds (not of a {@link #limiter} given ready). */
    public Builder listener(@Nullable LimiterListener listener) {
      this.listener = listener;
      return this;
    }

    private @Nullable Predicate<RequestContext> exemption() {
      if (exemptions.isEmpty()) {
        return null;
      }
      List<Predicate<RequestContext>> all = List.copyOf(exemptions);
      return r -> {
        for (Predicate<RequestContext> p : all) {
          if (p.test(r)) {
            return true;
          }
        }
        return false;
      };
    }

    /**
     * The limiter.
     *
     * @throws IllegalArgumentException naming the setting that is wrong ({@code key: ...})
     */
    public RequestLimiter build() {
      KeyResolver key = keyResolver;
      if (key == null) {
        try {
          key = KeyResolver.parse(keySpec, apiKeyHeader, keyParts);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("key: " + e.getMessage(), e);
        }
      }
      if (countStatuses != null && rules != null && counting == Enforcer.Counting.EACH) {
        throw new IllegalArgumentException("descriptor-counting: each cannot be combined with"
            + " count-statuses: a request's rules are held all or nothing; use all-or-nothing");
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
      return new RequestLimiter(this, b, key, d);
    }
  }
}
