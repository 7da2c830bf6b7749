package dev.sluice.server;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.BackendSpec;
import dev.sluice.enforcement.Backends;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.ModeBackends;
import dev.sluice.rules.RuleLoader;
import dev.sluice.spi.Backend;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The service's own request path, run before {@code /readyz} says ready, so that the first real
 * requests of a fresh JVM are answered as fast as later ones: with a Redis backend, a decision
 * that waits while the JVM loads and compiles the request path can outlast {@code redis-timeout}
 * and be answered by the failure policy (measured: a fresh pair of instances admitted 51–58 of a
 * limit of 50).
 *
 * <p>It runs the real code, isolated from the service's state: a second {@link HttpApi}, {@link
 * Enforcer} and gRPC service, on a private Armeria server on 127.0.0.1 with a port of its own, with
 * their own {@link Metrics} (so nothing shows in {@code /metrics}), fixed rules of the domain
 * {@value #DOMAIN} (one descriptor per algorithm, random values per start), and their own Redis
 * connection to the same Redis, fail-closed with a long timeout (so warm-up decisions are never
 * degraded and never touch the service's counters); real clients send {@code POST /json} (HTTP/1.1
 * and HTTP/2), {@code POST /v1/check} and gRPC {@code ShouldRateLimit}: first one at a time, then
 * in concurrent bursts, until {@link #TARGET} requests are answered. Its clients and connection are
 * closed before it returns; the private server stops in the background.
 */
final class WarmUp {

  static final String DOMAIN = "sluice-warm-up";
  /**
   * Requests answered by the warm-up (system property {@code sluice.server.warmUpRequests}, for
   * measuring what is enough: docs/server.md, "Start").
   */
  static final int TARGET = Integer.getInteger("sluice.server.warmUpRequests", 1_000);
  /** Concurrent requests per burst. */
  private static final int BURST = 64;
  /** Requests of each kind sent one at a time first (class loading, without queueing). */
  private static final int ONE_BY_ONE = 8;
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final List<String> KEYS = List.of("tb", "gcra", "fw", "swl", "swc");
  private static final String RULES = """
      domain: sluice-warm-up
      descriptors:
        - key: tb
          rate_limit: {unit: second, requests_per_unit: 20, algorithm: TOKEN_BUCKET}
        - key: gcra
          rate_limit: {unit: second, requests_per_unit: 20, algorithm: GCRA}
        - key: fw
          rate_limit: {unit: second, requests_per_unit: 20, algorithm: FIXED_WINDOW}
        - key: swl
          rate_limit: {unit: second, requests_per_unit: 20, algorithm: SLIDING_WINDOW_LOG}
        - key: swc
          rate_limit: {unit: second, requests_per_unit: 20, algorithm: SLIDING_WINDOW_COUNTER}
      """;

  /** What a warm-up did. */
  record Result(int requests, long nanos) {
    @Override
    public String toString() {
      return requests + " requests in " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }
  }

  private WarmUp() {}

  /**
   * Runs the warm-up for a service of {@code config} on a Redis backend; blocks (run it off the
   * event loops).
   */
  static Result run(ServerConfig config) throws Exception {
    long start = System.nanoTime();
    long deadline = start + TIMEOUT.toNanos();
    ServerConfig own = ServerConfig.resolve(Map.of(
        "bind", "127.0.0.1", "http-port", "0", "grpc-port", "0",
        "backend", config.backend(), "failure-policy", "fail-closed",
        "mode", config.mode().text(), "headers", config.headers().name(),
        "grpc-response-headers", Boolean.toString(config.grpcResponseHeaders()),
        "sync-interval", config.syncInterval().toMillis() + "ms",
        "first-sight", config.firstSightSync() ? "sync" : "local"), Map.of(), null);
    Metrics metrics = new Metrics();
    // Its own connection: decisions wait long and fail closed, counted nowhere the service shows.
    Backend redis = Backends.open(BackendSpec.redis(config.backend())
        .withFailurePolicy(FailurePolicy.FAIL_CLOSED).withRedisTimeout(Duration.ofSeconds(10))
        .withWarmUp(false).withRedisTls(SluiceServer.redisTls(config)));
    ClientFactory clients = ClientFactory.builder().build();
    Server server = null;
    ModeBackends backends = null;
    try {
      backends = SluiceServer.modes(redis, own, metrics);
      LiveRules rules = LiveRules.fixed(RuleLoader.create()
          .parse(Map.of("sluice-warm-up.yaml", RULES)), metrics);
      Enforcer enforcer = Enforcer.builder(rules::current, backends).observer(metrics).build();
      HttpApi http = new HttpApi(enforcer, rules, own,
          () -> CompletableFuture.completedFuture("up"));
      ServerBuilder sb = Server.builder()
          .http(new InetSocketAddress("127.0.0.1", 0))
          .maxRequestLength(own.maxBodyBytes())
          .requestTimeout(Duration.ofSeconds(10))
          .meterRegistry(metrics.registry())
          .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO);
      http.bind(sb, Tracing.off());
      sb.service(GrpcService.builder()
          .addService(new EnvoyRateLimitService(enforcer, own))
          .maxRequestMessageLength(own.maxBodyBytes())
          .build());
      server = sb.build();
      server.start().join();
      int port = server.activeLocalPort();
      Senders s = new Senders(clients, port);
      int requests = 0;
      for (int kind = 0; kind < Senders.KINDS && TARGET > 0; kind++) {
        for (int i = 0; i < ONE_BY_ONE; i++) {
          s.send(kind, requests++).get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
      }
      while (requests < TARGET && System.nanoTime() < deadline) {
        List<CompletableFuture<?>> burst = new ArrayList<>(BURST);
        for (int i = 0; i < BURST; i++) {
          burst.add(s.send(requests % Senders.KINDS, requests));
          requests++;
        }
        CompletableFuture.allOf(burst.toArray(CompletableFuture<?>[]::new))
            .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      return new Result(requests, System.nanoTime() - start);
    } finally {
      // Closed before the service says ready, so that none of it runs beside the first requests:
      // the clients, then the connection (tens of ms). Only the private server's stop waits out
      // its listener's quiet period (about 2 s, idle), so it finishes in the background.
      clients.close();
      try {
        (backends != null ? backends : redis).close(); // the eventual backend, then the connection
      } catch (Exception e) {
        // nothing left to do with it
      }
      if (server != null) {
        server.stop();
      }
    }
  }

  /** The clients of the warm-up: request kind {@code k} of number {@code n}. */
  private static final class Senders {
    static final int KINDS = 5;
    private final WebClient h1;
    private final WebClient h2;
    private final RateLimitServiceGrpc.RateLimitServiceStub grpc;
    private final String value;

    Senders(ClientFactory factory, int port) {
      h1 = WebClient.builder("h1c://127.0.0.1:" + port).factory(factory).build();
      h2 = WebClient.builder("h2c://127.0.0.1:" + port).factory(factory).build();
      grpc = GrpcClients.builder("http://127.0.0.1:" + port).factory(factory)
          .build(RateLimitServiceGrpc.RateLimitServiceStub.class);
      byte[] random = new byte[6];
      ThreadLocalRandom.current().nextBytes(random);
      value = HexFormat.of().formatHex(random);
    }

    /**
     * Kinds: envoy /json with one descriptor over HTTP/1.1, with every descriptor over HTTP/2,
     * /v1/check with two descriptors (all-or-nothing), gRPC with one and with every descriptor.
     * Values change every 16 requests: some are admitted, some refused.
     */
    CompletableFuture<?> send(int kind, int n) {
      String v = value + "-" + n / 16;
      String key = KEYS.get(n % KEYS.size());
      return switch (kind) {
        case 0 -> post(h1, "/json", "{\"domain\":\"" + DOMAIN + "\",\"descriptors\":["
            + descriptor(key, v) + "]}");
        case 1 -> post(h2, "/json", "{\"domain\":\"" + DOMAIN + "\",\"descriptors\":["
            + String.join(",", KEYS.stream().map(k -> descriptor(k, v)).toList()) + "]}");
        case 2 -> post(h1, "/v1/check", "{\"domain\":\"" + DOMAIN + "\",\"descriptors\":["
            + descriptor(key, v) + "," + descriptor(KEYS.get((n + 1) % KEYS.size()), v) + "]}");
        case 3 -> grpc(List.of(key), v);
        default -> grpc(KEYS, v);
      };
    }

    private static String descriptor(String key, String value) {
      return "{\"entries\":[{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}]}";
    }

    private static CompletableFuture<AggregatedHttpResponse> post(WebClient c, String path,
        String json) {
      return c.prepare().post(path).content(MediaType.JSON_UTF_8, json).execute().aggregate()
          .thenApply(r -> {
            int status = r.status().code();
            if (status != 200 && status != 429) {
              throw new IllegalStateException("warm-up " + path + " answered " + r.status()
                  + ": " + r.contentUtf8());
            }
            return r;
          });
    }

    private CompletableFuture<RateLimitResponse> grpc(List<String> keys, String v) {
      RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain(DOMAIN);
      for (String k : keys) {
        b.addDescriptors(RateLimitDescriptor.newBuilder().addEntries(
            RateLimitDescriptor.Entry.newBuilder().setKey(k).setValue(v)));
      }
      CompletableFuture<RateLimitResponse> f = new CompletableFuture<>();
      grpc.shouldRateLimit(b.build(), new StreamObserver<>() {
        @Override
        public void onNext(RateLimitResponse value) {
          f.complete(value);
        }

        @Override
        public void onError(Throwable t) {
          f.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
          f.completeExceptionally(new IllegalStateException("no answer"));
        }
      });
      return f;
    }
  }
}
