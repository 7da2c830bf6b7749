package dev.sluice.spring.webflux;

import dev.sluice.http.HandlerLimits;
import dev.sluice.http.RequestContext;
import dev.sluice.http.RequestLimiter;
import dev.sluice.http.TrustedProxies;
import dev.sluice.servlet.RateLimited;
import dev.sluice.servlet.RateLimitedHandlers;
import dev.sluice.servlet.SluiceFilter;
import java.security.Principal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Rate limits the requests of a reactive (WebFlux) application with the same decision, headers
 * and bodies as the servlet filter ({@link SluiceFilter}): both hand the request to one {@link
 * RequestLimiter}, which applies the exemptions, the plain limits under the request's key, the
 * {@link RateLimited} limits of the handler method the request goes to, and the rules, and
 * answers either "proceed, with these headers" or "respond with this status, headers and body".
 *
 * <p>Non-blocking end to end: the request's view ({@link RequestContext}: method, path without
 * the context path, query, headers, client address through {@link TrustedProxies}) is built from
 * the {@code ServerHttpRequest}, the handler is looked up in the application's handler mappings
 * (in memory), and the decision is the limiter's asynchronous one, so an event loop never waits
 * for Redis. When the decision completes later on the backend's own thread (Redis), the request
 * goes on on Reactor's parallel scheduler, keeping application code off the Redis client's I/O
 * threads.
 *
 * <p><b>Counting by status.</b> When the limiter counts only some statuses, what it held is
 * settled with the final status before the response is committed (so a client that waits for its
 * answer has its next request decided on the settled count): the response's status (200 when
 * none was set); for an error that leaves the chain, its status when it is an {@link
 * ErrorResponse} (404 for no handler, say), else 500; when the client goes away before the
 * response is complete, {@value #CLIENT_CLOSED_REQUEST} ("client closed request"), including a
 * request cancelled while it was being decided.
 *
 * <p>The {@link RateLimited} annotations of every handler method are checked when the
 * application starts ({@link #validateHandlers()}): a wrong one fails startup naming the method.
 */
public final class SluiceWebFilter implements WebFilter, Ordered {

  /**
   * Exchange attribute holding the client address the filter settled on (after {@link
   * TrustedProxies}), for applications and logs; the servlet filter's request attribute name.
   */
  public static final String CLIENT_ADDRESS_ATTRIBUTE = SluiceFilter.CLIENT_ADDRESS_ATTRIBUTE;

  /** The status a request whose client went away is settled with (nginx's convention). */
  public static final int CLIENT_CLOSED_REQUEST = 499;

  /** The default order: right after Spring Security's {@code WebFilterChainProxy} (-100). */
  public static final int DEFAULT_ORDER = -99;

  private static final Log LOG = LogFactory.getLog(SluiceWebFilter.class);

  private final RequestLimiter limiter;
  private final TrustedProxies proxies;
  private final Supplier<? extends List<HandlerMapping>> mappings;
  private final int order;
  private volatile @Nullable AnnotatedHandlers handlers;

  /**
   * @param limiter the decision, shared with the servlet stack's implementation
   * @param proxies whose {@code Forwarded} / {@code X-Forwarded-For} are believed
   * @param mappings the application's handler mappings, in order, to find a request's handler;
   *     asked once, when the first request comes or {@link #validateHandlers()} is called
   * @param order this filter's place among the application's WebFilters
   */
  public SluiceWebFilter(RequestLimiter limiter, TrustedProxies proxies,
      Supplier<? extends List<HandlerMapping>> mappings, int order) {
    this.limiter = Objects.requireNonNull(limiter, "limiter must not be null");
    this.proxies = Objects.requireNonNull(proxies, "proxies must not be null");
    this.mappings = Objects.requireNonNull(mappings, "mappings must not be null");
    this.order = order;
  }

  @Override
  public int getOrder() {
    return order;
  }

  /**
   * Checks the {@link RateLimited} annotation of every handler method of the handler mappings
   * (creating their limiters), once they are all set up.
   *
   * @throws IllegalArgumentException {@code "@RateLimited on <id>: <problem>"}
   */
  public void validateHandlers() {
    handlers();
  }

  private AnnotatedHandlers handlers() {
    AnnotatedHandlers h = handlers;
    if (h == null) {
      List<HandlerMapping> all = List.copyOf(mappings.get());
      List<HandlerMethod> methods = AnnotatedHandlers.handlerMethods(all);
      for (AnnotatedHandlers.Annotated a : AnnotatedHandlers.all(methods)) {
        handler(a);
      }
      h = new AnnotatedHandlers(all, methods);
      handlers = h;
    }
    return h;
  }

  private HandlerLimits.Handler handler(AnnotatedHandlers.Annotated a) {
    return RateLimitedHandlers.of(limiter, a.id(), a.annotation());
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    // the principal Spring Security established (this filter runs after its chain), if any
    return exchange.getPrincipal().map(Optional::<Principal>of).defaultIfEmpty(Optional.empty())
        .flatMap(principal -> filter(exchange, chain, principal.orElse(null)));
  }

  private Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain,
      @Nullable Principal principal) {
    RequestContext request = ReactiveRequests.context(exchange, principal, proxies);
    request.clientAddress().ifPresent(a -> exchange.getAttributes()
        .put(CLIENT_ADDRESS_ATTRIBUTE, a));
    return handlers().find(exchange)
        .flatMap(annotated -> decide(request, annotated.map(this::handler).orElse(null)))
        .flatMap(outcome -> outcome instanceof RequestLimiter.Respond r
            ? ReactiveRequests.respond(exchange.getResponse(), r.status(), r.headers(),
                r.contentType(), r.body())
            : proceed(exchange, chain, (RequestLimiter.Proceed) outcome));
  }

  /**
   * The limiter's decision, going on where it completed: at once when it was decided in memory,
   * on Reactor's parallel scheduler when it completed on the backend's thread.
   */
  private Mono<RequestLimiter.Outcome> decide(RequestContext request,
      HandlerLimits.@Nullable Handler handler) {
    CompletableFuture<RequestLimiter.Outcome> decision = limiter.decide(request,
        limiter.cost(request), handler).toCompletableFuture();
    if (decision.isDone()) {
      return Mono.fromFuture(decision);
    }
    // Cancelled while deciding: what the decision holds is settled as the client's going away.
    return Mono.fromFuture(decision, true)
        .publishOn(Schedulers.parallel())
        .doOnCancel(() -> decision.thenAccept(o -> {
          if (o instanceof RequestLimiter.Proceed p) {
            p.complete(CLIENT_CLOSED_REQUEST);
          }
        }));
  }

  private static Mono<Void> proceed(ServerWebExchange exchange, WebFilterChain chain,
      RequestLimiter.Proceed proceed) {
    ServerHttpResponse response = exchange.getResponse();
    HttpHeaders headers = response.getHeaders();
    proceed.headers().forEach(headers::set);
    if (!proceed.awaitsStatus()) {
      return chain.filter(exchange);
    }
    // Settled before the response is committed, so the client's next request is decided on the
    // settled count; after the chain only when nothing committed a response.
    response.beforeCommit(() -> settle(proceed, status(response)));
    return chain.filter(exchange)
        .then(Mono.defer(() -> settle(proceed, status(response))))
        .onErrorResume(e -> settle(proceed, status(e)).then(Mono.error(e)))
        .doOnCancel(() -> proceed.complete(CLIENT_CLOSED_REQUEST));
  }

  /**
   * Settles what {@code proceed} held. A settlement that fails (Redis down) is logged, never the
   * client's concern: its response is already written, and the hold ends at its timeout.
   */
  private static Mono<Void> settle(RequestLimiter.Proceed proceed, int status) {
    return Mono.fromCompletionStage(() -> proceed.complete(status))
        .onErrorResume(e -> {
          LOG.warn("settling a held rate limit cost by status " + status + " failed", e);
          return Mono.empty();
        });
  }

  private static int status(ServerHttpResponse response) {
    HttpStatusCode s = response.getStatusCode();
    return s == null ? 200 : s.value();
  }

  private static int status(Throwable error) {
    return error instanceof ErrorResponse e ? e.getStatusCode().value() : 500;
  }
}
