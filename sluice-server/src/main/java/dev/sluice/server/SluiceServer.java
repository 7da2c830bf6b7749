package dev.sluice.server;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.enforcement.BackendSpec;
import dev.sluice.enforcement.Backends;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.ModeBackends;
import dev.sluice.eventual.FirstSight;
import dev.sluice.redis.RedisBackend;
import dev.sluice.rules.Consistency;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running rate limit service: rules, backend, and the Armeria servers for HTTP and gRPC (two
 * listeners sharing Armeria's event loops, or one when both ports are equal). Start with {@link
 * #start(ServerConfig)}, stop with {@link #close()}.
 */
public final class SluiceServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);

  private final ServerConfig config;
  private final ModeBackends backends;
  private final LiveRules rules;
  private final Readiness readiness;
  private final List<Server> servers;
  private final int httpPort;
  private final int grpcPort;

  private SluiceServer(ServerConfig config, ModeBackends backends, LiveRules rules,
      Readiness readiness, List<Server> servers, int httpPort, int grpcPort) {
    this.config = config;
    this.backends = backends;
    this.rules = rules;
    this.readiness = readiness;
    this.servers = servers;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
  }

  /**
   * Loads the rules (starting even when they are invalid or missing: {@code /readyz} then says
   * not ready until a load succeeds), opens the backend, listens, and with a Redis backend warms
   * up before it returns: the backend (scripts loaded, connections open, decision path run, see
   * {@link RedisBackend#warmUp()}) and then the service's own request path ({@link WarmUp}).
   * Meanwhile {@code /healthz} answers and {@code /readyz} says {@code "backend": "warming up"}
   * (503). If Redis is unreachable, it returns without waiting for it; {@code /readyz} stays 503
   * and each readiness check retries the warm-up until one succeeds.
   *
   * @throws ServerConfig.ConfigException when the backend cannot be used
   * @throws java.util.concurrent.CompletionException when a port cannot be bound
   */
  public static SluiceServer start(ServerConfig config) {
    Backend backend = openBackend(config);
    Metrics metrics = new Metrics();
    ModeBackends backends;
    try {
      backends = modes(backend, config, metrics);
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
    LiveRules rules = new LiveRules(config.rules(), config.mergeDomains(), metrics);
    List<Server> started = new ArrayList<>();
    try {
      rules.start(config.reloadInterval());
      Enforcer enforcer = Enforcer.builder(rules::current, backends).observer(metrics).build();
      Readiness readiness = new Readiness(backend, config);
      HttpApi http = new HttpApi(enforcer, rules, metrics, config, readiness::state);
      GrpcService grpc = GrpcService.builder()
          .addService(new EnvoyRateLimitService(enforcer, config))
          .maxRequestMessageLength(config.maxBodyBytes())
          .build();
      boolean shared = config.httpPort() == config.grpcPort() && config.httpPort() != 0;
      ServerBuilder hb = base(config, config.httpPort(), metrics, config.maxBodyBytes());
      http.bind(hb);
      if (shared) {
        hb.service(grpc);
      }
      Server httpServer = hb.build();
      httpServer.start().join();
      started.add(httpServer);
      int hp = httpServer.activeLocalPort();
      int gp = hp;
      if (!shared) {
        // The gRPC service enforces max-body-bytes per message itself (RESOURCE_EXHAUSTED, read
        // from the length prefix before buffering); an HTTP-level limit would preempt it with a
        // bare 413 that clients see as UNKNOWN.
        ServerBuilder gb = base(config, config.grpcPort(), metrics, 0);
        gb.service(grpc);
        Server grpcServer = gb.build();
        grpcServer.start().join();
        started.add(grpcServer);
        gp = grpcServer.activeLocalPort();
      }
      log.info("listening: HTTP {}:{}, gRPC {}:{}", config.bind(), hp, config.bind(), gp);
      readiness.awaitWarmUp();
      return new SluiceServer(config, backends, rules, readiness, List.copyOf(started), hp,
          gp);
    } catch (RuntimeException e) {
      started.forEach(s -> s.stop().join());
      rules.close();
      backends.close();
      throw e;
    }
  }

  /**
   * The backend the {@code backend}, {@code failure-policy}, {@code redis-timeout} and {@code
   * max-keys} settings describe.
   *
   * @throws ServerConfig.ConfigException when it cannot be used
   */
  static Backend openBackend(ServerConfig config) {
    String setting = config.backend();
    try {
      return Backends.open(BackendSpec.from(config.settings()));
    } catch (IllegalArgumentException e) {
      throw new ServerConfig.ConfigException("invalid backend '"
          + ServerConfig.redacted(setting) + "': " + ServerConfig.redacted(
              String.valueOf(e.getMessage())));
    }
  }

  /**
   * The backends rules are enforced by, consistent or eventual ({@code mode}, {@code
   * sync-interval}, {@code sync-batch}, {@code first-sight}), the eventual one's counters in
   * {@code metrics}.
   */
  static ModeBackends modes(Backend shared, ServerConfig config, Metrics metrics) {
    return ModeBackends.of(shared, config.mode(),
        new ModeBackends.Eventual(config.syncInterval(), config.syncBatch(),
            config.firstSightSync() ? FirstSight.SYNC : FirstSight.LOCAL),
        metrics::eventual);
  }

  private static ServerBuilder base(ServerConfig config, int port, Metrics metrics,
      long maxRequestLength) {
    return Server.builder()
        .http(new InetSocketAddress(config.bind(), port))
        // The limit is set per request once its service is chosen, not on the server: there
        // Armeria rejects a body whose Content-Length is over it before reading any of it and
        // closes the connection, which an HTTP/1.1 client still sending the body (the JDK's
        // HttpClient) sees as a hang instead of a 413. Per request, the body is read up to the
        // limit, then answered 413.
        .maxRequestLength(0)
        .decorator((delegate, ctx, req) -> {
          ctx.setMaxRequestLength(maxRequestLength);
          return delegate.serve(ctx, req);
        })
        .requestTimeout(Duration.ofSeconds(10))
        .meterRegistry(metrics.registry())
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(2));
  }

  /** The HTTP port listened on (the actual one when configured as 0). */
  public int httpPort() {
    return httpPort;
  }

  /** The gRPC port listened on. */
  public int grpcPort() {
    return grpcPort;
  }

  public ServerConfig config() {
    return config;
  }

  /** Whether rules have loaded at least once. */
  public boolean rulesLoaded() {
    return rules.loaded();
  }

  /**
   * Whether the warm-up is done (always, on the memory backend); until then {@code /readyz} is
   * 503.
   */
  public boolean warmedUp() {
    return readiness.warm();
  }

  /** Whether rules have loaded at least once and the warm-up is done. */
  public boolean ready() {
    return rules.loaded() && readiness.warm();
  }

  /**
   * Stops listening, the rules poller and the backend (in eventual mode, after a last sync of the
   * pending hits).
   */
  @Override
  public void close() {
    for (Server s : servers) {
      s.stop().join();
    }
    rules.close();
    backends.close();
  }

  /**
   * Whether the backend can decide, as {@code /readyz} shows it: {@code "up"}, {@code "warming
   * up"} until the warm-up is done (Redis only), or {@code "down (fail-closed)"} while a
   * fail-closed Redis backend is cut off (its circuit is open).
   *
   * <p>The warm-up is the backend's ({@link RedisBackend#warmUp()}), then the service's ({@link
   * WarmUp}); {@link #awaitWarmUp()} runs it at start. If it fails (Redis unreachable), the
   * next readiness check starts it again, so an instance that started without Redis becomes
   * ready once Redis answers, without any decision traffic. A failure of the service's own
   * warm-up (not of Redis) is logged and does not keep the instance out of rotation.
   *
   * <p>The circuit only probes Redis when a decision asks for it, and a service that is not
   * ready may get no traffic (a load balancer or Kubernetes keeps it out of rotation until
   * {@code /readyz} says so), so each readiness check while the circuit is open makes one
   * check-only decision on a probe key: once Redis is back, that call is the probe that closes
   * the circuit, and readiness follows within the circuit's open time.
   */
  static final class Readiness {
    private static final String PROBE_KEY = "sluice-readyz-probe";
    /** The longest {@link #awaitWarmUp()} waits: the backend's warm-up, then the service's. */
    private static final Duration START_WAIT = Duration.ofSeconds(40);
    private final Backend backend;
    private final ServerConfig config;
    private final AtomicReference<CompletableFuture<Void>> warming = new AtomicReference<>();
    private volatile boolean warm;
    private volatile @Nullable KeyedLimits probe;

    Readiness(Backend backend, ServerConfig config) {
      this.backend = backend;
      this.config = config;
      this.warm = !(backend instanceof RedisBackend);
    }

    boolean warm() {
      return warm;
    }

    /** Runs the warm-up now and waits for it (bounded); a failure is logged, not thrown. */
    void awaitWarmUp() {
      if (warm) {
        return;
      }
      try {
        warmUp().get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        // logged by warmUp(); readiness checks try again
      } catch (TimeoutException e) {
        log.warn("warm-up still running after {} s; /readyz says not ready until it is done",
            START_WAIT.toSeconds());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** The warm-up under way, or a new one if none is (or the last one failed). */
    private CompletableFuture<Void> warmUp() {
      for (;;) {
        CompletableFuture<Void> f = warming.get();
        if (warm) {
          return CompletableFuture.completedFuture(null);
        }
        if (f != null && !f.isCompletedExceptionally()) {
          return f;
        }
        CompletableFuture<Void> fresh = new CompletableFuture<>();
        if (!warming.compareAndSet(f, fresh)) {
          continue;
        }
        RedisBackend redis = (RedisBackend) backend;
        redis.warmUp().toCompletableFuture().whenComplete((v, error) -> {
          if (error != null) {
            fresh.completeExceptionally(error); // the backend logged it
            return;
          }
          Thread t = new Thread(() -> {
            try {
              WarmUp.Result r = WarmUp.run(config);
              // The warm-up's garbage, collected now rather than by a young collection in the
              // middle of the first burst of requests (measured: 25-50 ms pauses, enough to
              // push decisions past a 50 ms redis-timeout).
              long gc = System.nanoTime();
              System.gc();
              log.info("service warmed up: {}; heap collected in {} ms", r,
                  TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gc));
            } catch (Exception | Error e) {
              log.warn("service warm-up failed ({}); ready anyway: the backend is warm",
                  e.toString());
            }
            warm = true;
            fresh.complete(null);
          }, "sluice-warm-up");
          t.setDaemon(true);
          t.start();
        });
        return fresh;
      }
    }

    CompletionStage<String> state() {
      if (!(backend instanceof RedisBackend r)) {
        return CompletableFuture.completedFuture("up");
      }
      if (r.failurePolicy() == FailurePolicy.FAIL_CLOSED && r.circuitOpen()) {
        KeyedLimits p = probe;
        if (p == null) {
          p = backend.open(List.of(Limit.of(1, Duration.ofSeconds(1))));
          probe = p;
        }
        warmUp();
        return p.acquireAsync(PROBE_KEY, 0).handle((d, e) -> r.circuitOpen()
            ? "down (fail-closed)" : warm ? "up" : "warming up");
      }
      if (!warm) {
        warmUp();
        return CompletableFuture.completedFuture("warming up");
      }
      return CompletableFuture.completedFuture("up");
    }
  }
}
