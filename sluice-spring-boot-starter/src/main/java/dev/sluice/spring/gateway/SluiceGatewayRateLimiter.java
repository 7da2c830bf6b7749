package dev.sluice.spring.gateway;

import dev.sluice.Decision;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.RateLimitHeaders;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.spi.Backend;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.style.ToStringCreator;
import reactor.core.publisher.Mono;

/**
 * Sluice as the {@code RateLimiter} of Spring Cloud Gateway's {@code RequestRateLimiter} filter,
 * in place of {@code RedisRateLimiter} and configured the same way, under {@code
 * sluice-rate-limiter.*} route arguments:
 *
 * <pre>{@code
 * filters:
 *   - name: RequestRateLimiter
 *     args:
 *       rate-limiter: "#{@sluiceRateLimiter}"
 *       key-resolver: "#{@userKeyResolver}"
 *       sluice-rate-limiter.replenishRate: 10      # token bucket: 10 a second,
 *       sluice-rate-limiter.burstCapacity: 20      # 20 at once
 *       sluice-rate-limiter.requestedTokens: 1     # per request (0: check only)
 *       # or: sluice-rate-limiter.limits: "10/second;1000/hour", sluice-rate-limiter.algorithm: gcra
 * }</pre>
 *
 * <p>Each route gets its own {@link RateLimiter}, built once per route configuration on the given
 * {@link Backend} (memory, Redis) and named {@code gateway:<routeId>} for the {@link
 * LimiterListener} (metrics); a key is counted under its route ({@code @<routeId>|<key>}). A route
 * configuration that changes keeps the counts of the one before. Decisions are non-blocking
 * ({@link RateLimiter#tryAcquireAsync}), and the response's headers are Sluice's ({@link
 * RateLimitHeaders} in the given {@link HeaderStyle}); the filter copies them onto the response and
 * answers a refusal with its own status code (429 unless the route's {@code status-code} says
 * otherwise).
 *
 * <p>The starter checks the routes of the application's properties at startup ({@link
 * InvalidSettingException} naming the route and the argument). Arguments that reach this limiter
 * otherwise (SpEL values, other route sources) are checked when the gateway binds the route: bad
 * ones are logged, naming the route and the argument, and the route keeps the limiter it had, or
 * is let through uncounted when it had none. A configuration mistake never answers a client with
 * an error; a backend failure is answered by the backend's failure policy.
 */
public class SluiceGatewayRateLimiter extends AbstractRateLimiter<SluiceGatewayRateLimiter.Config> {

  /** The prefix of this limiter's route arguments: {@code sluice-rate-limiter.limits}, ... */
  public static final String CONFIGURATION_PROPERTY_NAME = "sluice-rate-limiter";

  /** What precedes the route id in the names of the route limiters ({@code gateway:api}). */
  public static final String LIMITER_NAME_PREFIX = "gateway:";

  private static final Logger LOG = LoggerFactory.getLogger(SluiceGatewayRateLimiter.class);

  private final Backend backend;
  private final HeaderStyle headerStyle;
  private final boolean headersOnAllowed;
  private final @Nullable LimiterListener listener;
  private final ConcurrentMap<String, RouteLimiter> limiters = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  /** One route's limiter, and the bound arguments it was built from. */
  private record RouteLimiter(Config config, RouteLimits limits, RateLimiter limiter) {}

  /**
   * A limiter whose routes count on {@code backend}.
   *
   * @param configurationService the gateway's, which binds the route arguments
   * @param headerStyle the rate limit headers of every response
   * @param headersOnAllowed whether allowed responses carry them too
   * @param listener hears every route limiter's decisions; null for none
   */
  public SluiceGatewayRateLimiter(Backend backend, ConfigurationService configurationService,
      HeaderStyle headerStyle, boolean headersOnAllowed, @Nullable LimiterListener listener) {
    super(Config.class, CONFIGURATION_PROPERTY_NAME, configurationService);
    this.backend = Objects.requireNonNull(backend, "backend must not be null");
    this.headerStyle = Objects.requireNonNull(headerStyle, "headerStyle must not be null");
    this.headersOnAllowed = headersOnAllowed;
    this.listener = listener;
  }

  /**
   * Binds a route's arguments as the gateway does, then builds its limiter (or checks them, for
   * the default filters). Arguments that cannot work are logged, naming the route and the
   * argument, and never fail the gateway's route refresh (which would leave it without routes):
   * the route keeps the limiter it had, and a route that had none is let through uncounted.
   */
  @Override
  public void onApplicationEvent(FilterArgsEvent event) {
    super.onApplicationEvent(event);
    String routeId = event.getRouteId();
    Config config = getConfig().get(routeId);
    if (config == null) {
      return;
    }
    try {
      if (RouteDefinitionRouteLocator.DEFAULT_FILTERS.equals(routeId)) {
        RouteLimits.of(config, "default-filters " + CONFIGURATION_PROPERTY_NAME + ".");
      } else {
        limiter(routeId);
      }
    } catch (InvalidSettingException e) {
      report(routeId, e);
    }
  }

  private void report(String routeId, RuntimeException e) {
    if (reported.add(routeId + "\n" + e.getMessage())) {
      RateLimiter kept = routeLimiter(routeId);
      LOG.error("Invalid Sluice setting {}; route {} {}", e.getMessage(), routeId, kept == null
          ? "is not rate limited" : "keeps its limits " + kept.limits());
    }
  }

  @Override
  public Mono<Response> isAllowed(String routeId, String id) {
    RouteLimiter route;
    try {
      route = limiter(routeId);
    } catch (InvalidSettingException e) {
      RouteLimiter kept = limiters.get(routeId);
      report(routeId, e);
      if (kept == null) {
        return Mono.just(new Response(true, Map.of()));
      }
      route = kept;
    }
    RouteLimiter r = route;
    String key = "@" + routeId + "|" + id;
    return Mono.fromCompletionStage(() -> r.limiter().tryAcquireAsync(key, r.limits().tokens()))
        .map(decision -> response(r, decision))
        .onErrorResume(e -> {
          // the backend's failure policy answers for the backend; this is anything else
          LOG.error("Sluice failed to decide for route {}; the request is let through", routeId,
              e);
          return Mono.just(new Response(true, Map.of()));
        });
  }

  private Response response(RouteLimiter route, Decision decision) {
    Map<String, String> headers = decision.allowed() && !headersOnAllowed ? Map.of()
        : RateLimitHeaders.of(Verdict.of(Status.of(decision, route.limiter().limits())),
            headerStyle);
    return new Response(decision.allowed(), headers);
  }

  /**
   * The limiter of {@code routeId} for its current arguments (else the default filters'), built
   * when they change; the limiter before passes its counts on.
   */
  private RouteLimiter limiter(String routeId) {
    Config config = getConfig().get(routeId);
    String where = "route '" + routeId + "' ";
    if (config == null) {
      config = getConfig().get(RouteDefinitionRouteLocator.DEFAULT_FILTERS);
      where = "default-filters ";
    }
    if (config == null) {
      throw new InvalidSettingException("route '" + routeId + "' " + CONFIGURATION_PROPERTY_NAME
          + ".limits", "no " + CONFIGURATION_PROPERTY_NAME + ".* arguments on the route or in"
          + " the default filters");
    }
    RouteLimiter current = limiters.get(routeId);
    if (current != null && current.config() == config) {
      return current;
    }
    Config bound = config;
    RouteLimits limits;
    try {
      limits = RouteLimits.of(bound, where + CONFIGURATION_PROPERTY_NAME + ".");
    } catch (InvalidSettingException e) {
      if (current != null) {
        // the route keeps its limiter, now for these arguments: checked once, not per request
        limiters.replace(routeId, current,
            new RouteLimiter(bound, current.limits(), current.limiter()));
      }
      throw e;
    }
    // one limiter per route even when its first requests race
    return limiters.compute(routeId, (id, cur) -> cur != null && cur.config() == bound ? cur
        : build(id, bound, limits, cur));
  }

  private RouteLimiter build(String routeId, Config config, RouteLimits limits,
      @Nullable RouteLimiter current) {
    if (current != null && current.limits().equals(limits)) {
      return new RouteLimiter(config, limits, current.limiter());
    }
    RateLimiter.Builder b = RateLimiter.builder(limits.limits()).backend(backend)
        .name(LIMITER_NAME_PREFIX + routeId);
    if (listener != null) {
      b.listener(listener);
    }
    if (current != null) {
      b.predecessor(current.limiter());
    }
    return new RouteLimiter(config, limits, b.build());
  }

  /** The limiter of {@code routeId} as last built; null before its first request or binding. */
  public @Nullable RateLimiter routeLimiter(String routeId) {
    RouteLimiter r = limiters.get(routeId);
    return r == null ? null : r.limiter();
  }

  @Override
  public String toString() {
    return new ToStringCreator(this).append("headerStyle", headerStyle)
        .append("routes", limiters.keySet()).toString();
  }

  /**
   * A route's {@code sluice-rate-limiter.*} arguments as bound: RedisRateLimiter's shape ({@code
   * replenishRate}, {@code burstCapacity}, {@code requestedTokens}) or Sluice's ({@code limits},
   * {@code algorithm}). Checked together when the route's limiter is built.
   */
  public static class Config {
    private @Nullable Long replenishRate;
    private @Nullable Long burstCapacity;
    private @Nullable Long requestedTokens;
    private @Nullable String limits;
    private @Nullable String algorithm;

    /** Permits added to the bucket each second. */
    public @Nullable Long getReplenishRate() {
      return replenishRate;
    }

    public Config setReplenishRate(@Nullable Long replenishRate) {
      this.replenishRate = replenishRate;
      return this;
    }

    /** The bucket's size: the most permits taken at once (default the replenish rate). */
    public @Nullable Long getBurstCapacity() {
      return burstCapacity;
    }

    public Config setBurstCapacity(@Nullable Long burstCapacity) {
      this.burstCapacity = burstCapacity;
      return this;
    }

    /** Permits one request takes (default 1; 0 checks without counting). */
    public @Nullable Long getRequestedTokens() {
      return requestedTokens;
    }

    public Config setRequestedTokens(@Nullable Long requestedTokens) {
      this.requestedTokens = requestedTokens;
      return this;
    }

    /** Sluice's limits text, e.g. {@code 10/second;1000/hour}, in place of the bucket's. */
    public @Nullable String getLimits() {
      return limits;
    }

    public Config setLimits(@Nullable String limits) {
      this.limits = limits;
      return this;
    }

    /** token-bucket (default), gcra, fixed-window, sliding-window-log, sliding-window-counter. */
    public @Nullable String getAlgorithm() {
      return algorithm;
    }

    public Config setAlgorithm(@Nullable String algorithm) {
      this.algorithm = algorithm;
      return this;
    }

    @Override
    public String toString() {
      return new ToStringCreator(this).append("replenishRate", replenishRate)
          .append("burstCapacity", burstCapacity).append("requestedTokens", requestedTokens)
          .append("limits", limits).append("algorithm", algorithm).toString();
    }
  }
}
