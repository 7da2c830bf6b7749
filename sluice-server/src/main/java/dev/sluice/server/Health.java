package dev.sluice.server;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the service takes decisions, as envoy ratelimit reports it: {@code /healthcheck} on the
 * HTTP decision port (200 {@code OK}, or 500 with an empty body) and the standard gRPC health
 * service {@code grpc.health.v1.Health} (grpc-java's {@link HealthStatusManager}) on the gRPC
 * port, for the whole server ({@code ""}) and for {@value #SERVICE}, envoy's service name.
 *
 * <p>Healthy is ready, as {@code /readyz} says it: rules have loaded at least once and the
 * backend is {@code "up"} (warmed up, not a fail-closed Redis cut off), and the service is not
 * {@link #drain() draining}. The gRPC statuses are refreshed every {@link #REFRESH} (so {@code
 * Watch} streams hear of a change within it), at every {@code /healthcheck}, and at once when the
 * service starts draining.
 */
final class Health implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Health.class);
  /** envoy ratelimit's gRPC health service name. */
  static final String SERVICE = "ratelimit";
  /** How often the gRPC statuses are computed again. */
  static final Duration REFRESH = Duration.ofSeconds(1);
  /** What {@code /readyz} says of the backend while the service drains. */
  static final String DRAINING = "draining";

  private final BooleanSupplier rulesLoaded;
  private final Supplier<CompletionStage<String>> backend;
  private final HealthStatusManager grpc = new HealthStatusManager();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-health");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean draining;

  /**
   * @param rulesLoaded whether rules have loaded at least once
   * @param backend the backend's state, {@code "up"} when it can decide
   */
  Health(BooleanSupplier rulesLoaded, Supplier<CompletionStage<String>> backend) {
    this.rulesLoaded = rulesLoaded;
    this.backend = backend;
    set(false);
  }

  /** Starts refreshing the gRPC statuses every {@link #REFRESH}, the first time now. */
  void watch() {
    timer.scheduleWithFixedDelay(this::refresh, 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The backend's state for {@code /readyz}: {@value #DRAINING} once the service drains. */
  CompletionStage<String> backendState() {
    return draining ? CompletableFuture.completedFuture(DRAINING) : backend.get();
  }

  /** Whether the service takes decisions: ready and not draining. */
  CompletionStage<Boolean> healthy() {
    if (draining) {
      return CompletableFuture.completedFuture(false);
    }
    boolean loaded = rulesLoaded.getAsBoolean();
    return backendState().thenApply(state -> loaded && state.equals("up") && !draining);
  }

  /**
   * From now on unhealthy: {@code /healthcheck} 500, gRPC {@code NOT_SERVING}, {@code /readyz}
   * 503; decisions are still answered.
   */
  void drain() {
    draining = true;
    set(false);
  }

  boolean draining() {
    return draining;
  }

  /** {@code /healthcheck}, any method, on the HTTP decision port. */
  void bind(ServerBuilder sb) {
    sb.service("/healthcheck", (ctx, req) -> HttpResponse.of(healthy().thenApply(ok -> {
      set(ok);
      return ok ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "OK")
          : HttpResponse.of(ResponseHeaders.of(HttpStatus.INTERNAL_SERVER_ERROR),
              HttpData.empty());
    }).toCompletableFuture()));
  }

  /** {@code grpc.health.v1.Health}: {@code Check} and {@code Watch}. */
  BindableService grpcService() {
    return grpc.getHealthService();
  }

  private void refresh() {
    try {
      healthy().whenComplete((ok, error) -> set(ok != null && ok));
    } catch (RuntimeException e) {
      log.warn("health check failed: {}", e.toString());
      set(false);
    }
  }

  private void set(boolean ok) {
    ServingStatus s = ok && !draining ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    grpc.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, s);
    grpc.setStatus(SERVICE, s);
  }

  /** Stops refreshing; every gRPC status becomes {@code NOT_SERVING} for good. */
  @Override
  public void close() {
    timer.shutdownNow();
    grpc.enterTerminalState();
  }
}
