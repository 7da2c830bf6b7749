package dev.sluice.bench.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code sluice serve} with the server benchmark's no-op baselines (sluice-bench/server/run.sh,
 * docs/server-benchmarks.md), added through the service's {@link SluiceServer.Extension} hook:
 *
 * <ul>
 *   <li>HTTP {@code POST /noop} on the decision port: the same Armeria route and the same body
 *       aggregation as {@code POST /json}, then a constant {@code {"overallCode":"OK"}}: no
 *       parsing, no decision;
 *   <li>gRPC {@code ShouldRateLimit} for the domain {@value #NOOP_DOMAIN}: decoded by the same
 *       service stack, answered {@code OK} at once without a decision; every other domain goes
 *       to the service's own {@code RateLimitService}.
 * </ul>
 *
 * <p>Everything else is the service as {@code sluice serve} runs it. Arguments are its settings
 * as {@code --name value} (or {@code --name=value}); the environment's {@code SLUICE_*}
 * variables apply as for {@code sluice serve}. Once listening it prints {@code sluice serve}'s
 * line ({@code sluice: serving HTTP on ...}) and runs until stopped (SIGINT/SIGTERM). A
 * measurement tool only: these endpoints are not part of the service.
 */
public final class BaselineServer {

  /** The gRPC domain answered without a decision. */
  public static final String NOOP_DOMAIN = "__noop__";
  /** The body of {@code POST /noop}. */
  public static final String NOOP_BODY = "{\"overallCode\":\"OK\"}";

  private static final RateLimitResponse NOOP = RateLimitResponse.newBuilder()
      .setOverallCode(RateLimitResponse.Code.OK).build();

  private BaselineServer() {}

  /** The no-op baselines, as an extension of the service. */
  static final class NoopBaselines implements SluiceServer.Extension {
    @Override
    public void decisionRoutes(ServerBuilder http) {
      http.route().post("/noop").build((ctx, req) -> HttpResponse.of(req.aggregate()
          .thenApply(body -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, NOOP_BODY))));
    }

    @Override
    public BindableService rateLimitService(
        RateLimitServiceGrpc.RateLimitServiceImplBase service) {
      return new RateLimitServiceGrpc.RateLimitServiceImplBase() {
        @Override
        public void shouldRateLimit(RateLimitRequest request,
            StreamObserver<RateLimitResponse> observer) {
          if (NOOP_DOMAIN.equals(request.getDomain())) {
            observer.onNext(NOOP);
            observer.onCompleted();
          } else {
            service.shouldRateLimit(request, observer);
          }
        }
      };
    }
  }

  /** Starts the service with the baselines; {@code args} are {@code --name value} settings. */
  static SluiceServer start(String[] args, Map<String, String> env) {
    return SluiceServer.start(ServerConfig.resolve(settings(args), env, null),
        new NoopBaselines());
  }

  /** {@code --name value} and {@code --name=value} pairs as setting name to text. */
  static Map<String, String> settings(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() == 2) {
        throw new ServerConfig.ConfigException("expected --setting value, got '" + a + "'");
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        out.put(a.substring(2, eq), a.substring(eq + 1));
      } else if (i + 1 < args.length) {
        out.put(a.substring(2), args[++i]);
      } else {
        throw new ServerConfig.ConfigException("no value for " + a);
      }
    }
    return out;
  }

  /** Runs until stopped; exit code 1 with one line on stderr for a bad setting. */
  public static void main(String[] args) throws InterruptedException {
    SluiceServer server;
    try {
      server = start(args, System.getenv());
    } catch (ServerConfig.ConfigException e) {
      System.err.println("baseline server: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "baseline-shutdown"));
    ServerConfig c = server.config();
    System.out.println("sluice: serving HTTP on " + c.bind() + ":" + server.httpPort()
        + ", gRPC on " + c.bind() + ":" + server.grpcPort() + ", admin on " + c.adminBind() + ":"
        + server.adminPort() + " (rules: " + c.rules() + ", backend: "
        + (c.backend().equals("memory") ? "memory" : "redis") + "; with the no-op baselines"
        + " POST /noop and gRPC domain " + NOOP_DOMAIN + ")");
    System.out.flush();
    stopped.await();
  }
}
