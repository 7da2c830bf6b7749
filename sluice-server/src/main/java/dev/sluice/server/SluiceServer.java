package dev.sluice.server;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.enforcement.BackendSpec;
import dev.sluice.enforcement.Backends;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Observer;
import dev.sluice.enforcement.TopClients;
import dev.sluice.enforcement.ModeBackends;
import dev.sluice.eventual.FirstSight;
import dev.sluice.redis.RedisBackend;
import dev.sluice.rules.Consistency;
import dev.sluice.spi.Backend;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.KeyedLimits;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.BindableService;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
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
 * The running rate limit service: rules, backend, and the Armeria servers: the decision ports
 * (HTTP and gRPC: two listeners sharing Armeria's event loops, or one when both ports are equal)
 * and the admin port (the rules admin API and {@code /metrics}). Start with {@link
 * #start(ServerConfig)}, stop with {@link #close()}.
 */
public final class SluiceServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);

  /**
   * Additions made to the service when it starts, for tools built on it: routes of their own on
   * the HTTP decision port, or a wrapper around envoy's {@code RateLimitService} on the gRPC port.
   * The server benchmark's no-op baselines ({@code sluice-bench}) are one. Nothing of it reaches
   * the admin port. The default methods add nothing.
   */
  public interface Extension {
    /** Adds nothing. */
    Extension NONE = new Extension() {};

    /**
     * Adds routes to the HTTP decision port, after the service's own ({@code POST /json}, {@code
     * POST /v1/check}, {@code /v1/authorize/{domain}}, {@code GET /healthz}, {@code GET
     * /readyz}, {@code /healthcheck}), whose paths it must not take.
     * With one shared port, gRPC is served there too.
     */
    default void decisionRoutes(ServerBuilder http) {}

    /**
     * The envoy {@code RateLimitService} to serve over gRPC: {@code service} itself, or a service
     * that answers some calls itself and passes the others to {@code service}.
     */
    default BindableService rateLimitService(
        RateLimitServiceGrpc.RateLimitServiceImplBase service) {
      return service;
    }

    /**
     * The OpenTelemetry decisions are traced with when {@code tracing} is on (an embedding
     * application's own, which it closes), or null for one configured from the {@code tracing-*}
     * settings and the {@code OTEL_*} variables.
     */
    default @Nullable OpenTelemetry openTelemetry() {
      return null;
    }
  }

  private final ServerConfig config;
  private final ModeBackends backends;
  private final LiveRules rules;
  private final Readiness readiness;
  private final Health health;
  private final List<Server> servers;
  private final @Nullable ServerTls tls;
  private final AutoCloseable processMetrics;
  private final Tracing tracing;
  private final int httpPort;
  private final int grpcPort;
  private final int adminPort;

  private SluiceServer(ServerConfig config, ModeBackends backends, LiveRules rules,
      Readiness readiness, Health health, List<Server> servers, @Nullable ServerTls tls,
      AutoCloseable processMetrics, Tracing tracing, int httpPort, int grpcPort,
      int adminPort) {
    this.config = config;
    this.backends = backends;
    this.rules = rules;
    this.readiness = readiness;
    this.health = health;
    this.servers = servers;
    this.tls = tls;
    this.processMetrics = processMetrics;
    this.tracing = tracing;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.adminPort = adminPort;
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
   * @throws ServerConfig.ConfigException when the backend, the admin token or a TLS file cannot
   *     be used (the message names the file and the reason)
   * @throws java.util.concurrent.CompletionException when a port cannot be bound
   */
  public static SluiceServer start(ServerConfig config) {
    return start(config, Extension.NONE);
  }

  /** {@link #start(ServerConfig)} with {@code extension}'s additions. */
  public static SluiceServer start(ServerConfig config, Extension extension) {
    return start(config, extension, Clock.systemUTC());
  }

  /** {@link #start(ServerConfig, Extension)} with the clock that dates audit entries. */
  static SluiceServer start(ServerConfig config, Extension extension, Clock clock) {
    AdminToken token = AdminToken.load(config);
    ServerTls tls = ServerTls.load(config);
    Backend backend;
    try {
      backend = openBackend(config);
    } catch (RuntimeException e) {
      closeQuietly(tls);
      throw e;
    }
    Metrics metrics = new Metrics(config.nearLimitRatio());
    ModeBackends backends;
    try {
      backends = modes(backend, config, metrics);
    } catch (RuntimeException e) {
      backend.close();
      closeQuietly(tls);
      throw e;
    }
    AutoCloseable processMetrics = metrics.bindProcess();
    if (backend instanceof MemoryBackend memory) {
      metrics.bindStore(memory);
    } else if (backend instanceof RedisBackend redis) {
      metrics.bindOverLimitCache(redis);
    }
    LiveRules rules = LiveRules.of(config, metrics);
    List<Server> started = new ArrayList<>();
    Health health = null;
    Tracing tracing = null;
    try {
      tracing = Tracing.from(config, extension.openTelemetry());
      rules.start(config);
      TopClients top = config.topClients() == 0 ? null : new TopClients(config.topClients(),
          config.topClientsTables(), dev.sluice.Clock.system());
      if (top != null) {
        metrics.bindTopClients(top);
      }
      Enforcer enforcer = Enforcer.builder(rules::current, backends)
          .observer(top == null ? metrics : Observer.all(metrics, top))
          .globalShadow(config.shadowMode()).globalQuota(config.quotaMode()).build();
      Readiness readiness = new Readiness(backend, config);
      health = new Health(rules::loaded, readiness::state);
      HttpApi http = new HttpApi(enforcer, rules, config, health::backendState);
      GrpcService grpc = GrpcService.builder()
          .addService(tracing.grpc(
              extension.rateLimitService(new EnvoyRateLimitService(enforcer, config))))
          .addService(health.grpcService())
          .maxRequestMessageLength(config.maxBodyBytes())
          .build();
      boolean shared = config.httpPort() == config.grpcPort() && config.httpPort() != 0;
      ServerBuilder hb = base(config.bind(), config.httpPort(), tls, metrics,
          config.maxBodyBytes());
      http.bind(hb, tracing);
      health.bind(hb);
      new ForwardAuthApi(enforcer, rules, config).bind(hb, tracing);
      extension.decisionRoutes(hb);
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
        ServerBuilder gb = base(config.bind(), config.grpcPort(), tls, metrics, 0);
        gb.service(grpc);
        Server grpcServer = gb.build();
        grpcServer.start().join();
        started.add(grpcServer);
        gp = grpcServer.activeLocalPort();
      }
      ServerBuilder ab = base(config.adminBind(), config.adminPort(), tls, metrics,
          config.maxBodyBytes());
      new AdminApi(rules, metrics, http, token, new AuditLog(clock)).bind(ab);
      new Dashboard(rules, metrics, top, health::backendState, backend, config).bind(ab);
      Server adminServer = ab.build();
      adminServer.start().join();
      started.add(adminServer);
      int ap = adminServer.activeLocalPort();
      if (tls != null) {
        tls.watch(config.reloadInterval());
      }
      log.info("listening: {} {}:{}, gRPC{} {}:{}, admin {}:{} (writes {})",
          tls != null ? "HTTPS" : "HTTP", config.bind(), hp, tls != null ? " (TLS)" : "",
          config.bind(), gp, config.adminBind(), ap, token.configured()
              ? "need the admin token " + token.fingerprint() : "disabled: no admin token");
      readiness.awaitWarmUp();
      health.watch();
      return new SluiceServer(config, backends, rules, readiness, health, List.copyOf(started),
          tls, processMetrics, tracing, hp, gp, ap);
    } catch (RuntimeException e) {
      stopAll(started);
      closeQuietly(health);
      closeQuietly(tracing);
      rules.close();
      backends.close();
      closeQuietly(tls);
      closeQuietly(processMetrics);
      throw e;
    }
  }

  /**
   * Stops {@code servers} together: each waits up to its graceful shutdown timeout for clients
   * that keep connections open, so one after another would add those waits up.
   */
  private static void stopAll(List<Server> servers) {
    CompletableFuture.allOf(servers.stream().map(Server::stop)
        .toArray(CompletableFuture[]::new)).join();
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing {} failed: {}", c, e.toString());
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
    BackendSpec spec = BackendSpec.from(config.settings()).withRedisTls(redisTls(config))
        .withOverLimitCache(config.get(ServerConfig.OVER_LIMIT_CACHE));
    try {
      return Backends.open(spec);
    } catch (IllegalArgumentException e) {
      throw new ServerConfig.ConfigException("invalid backend '"
          + ServerConfig.redacted(setting) + "': " + ServerConfig.redacted(
              String.valueOf(e.getMessage())));
    }
  }

  /**
   * The Redis TLS files of {@code config} ({@code redis-tls-cert}, {@code redis-tls-key}, {@code
   * redis-tls-ca}), each read and checked now, or null when none is set.
   *
   * @throws ServerConfig.ConfigException naming a file that cannot be used, and why
   */
  static BackendSpec.@Nullable RedisTls redisTls(ServerConfig config) {
    Path cert = config.redisTlsCert();
    Path key = config.redisTlsKey();
    Path ca = config.redisTlsCa();
    if (cert == null && ca == null) {
      return null;
    }
    try {
      // the same checks the backend makes when it opens, here to name the settings
      RedisBackend.Builder check = RedisBackend.builder(config.backend());
      if (cert != null && key != null) {
        check.clientCertificate(cert, key);
      }
      if (ca != null) {
        check.trustedCertificates(ca);
      }
    } catch (IllegalArgumentException e) {
      throw new ServerConfig.ConfigException("Redis TLS (redis-tls-cert, redis-tls-key,"
          + " redis-tls-ca): " + e.getMessage());
    }
    return new BackendSpec.RedisTls(cert, key, ca);
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

  private static ServerBuilder base(String bind, int port, @Nullable ServerTls tls,
      Metrics metrics, long maxRequestLength) {
    ServerBuilder b = Server.builder();
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (tls != null) {
      b.https(address).tlsProvider(tls, tls.serverTlsConfig());
    } else {
      b.http(address);
    }
    // The limit is set per request once its service is chosen, not on the server: there
    // Armeria rejects a body whose Content-Length is over it before reading any of it and
    // closes the connection, which an HTTP/1.1 client still sending the body (the JDK's
    // HttpClient) sees as a hang instead of a 413. Per request, the body is read up to the
    // limit, then answered 413.
    return b.maxRequestLength(0)
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

  /** The admin port listened on: the rules admin API and {@code /metrics}. */
  public int adminPort() {
    return adminPort;
  }

  /** Whether the ports serve TLS ({@code tls-cert} is set). */
  public boolean tls() {
    return tls != null;
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
   * Starts draining: from now on {@code /healthcheck}, the gRPC health service and {@code
   * /readyz} report the service unhealthy, so that load balancers and envoy take it out of
   * rotation, while decisions are still answered.
   */
  public void drain() {
    if (!health.draining()) {
      health.drain();
      log.info("draining: reported unhealthy, still answering decisions for {} ms",
          config.drainPeriod().toMillis());
    }
  }

  /** Whether {@link #drain()} was called. */
  public boolean draining() {
    return health.draining();
  }

  /**
   * How the service stops on SIGTERM: {@link #drain()}, keeps answering decisions for the {@code
   * drain-period}, then {@link #close()}.
   */
  public void drainAndClose() {
    drain();
    try {
      Thread.sleep(config.drainPeriod().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  /**
   * Stops listening, the rules poller and the backend (in eventual mode, after a last sync of the
   * pending hits).
   */
  @Override
  public void close() {
    health.close();
    stopAll(servers);
    rules.close();
    backends.close();
    closeQuietly(tls);
    closeQuietly(processMetrics);
    tracing.close();
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
