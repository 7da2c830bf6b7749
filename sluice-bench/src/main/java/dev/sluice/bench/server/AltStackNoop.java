package dev.sluice.bench.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The no-op baselines of {@link BaselineServer} on the alternative server
 * stack: grpc-java's Netty server answering envoy's {@code ShouldRateLimit} with a constant
 * {@code OK} (as Armeria's server does for the domain {@code __noop__}), twice: with grpc-java's
 * default executor and with {@code directExecutor()}; and the JDK's {@code
 * com.sun.net.httpserver.HttpServer} answering {@code POST /noop} with Armeria's no-op body
 * {@code {"overallCode":"OK"}} after reading the request body (TCP_NODELAY on). All listen on
 * free 127.0.0.1 ports, printed as one line {@code altstack: serving http=<port> grpc=<port>
 * grpc-direct=<port>}; the process runs until killed.
 *
 * <p>Measurement tool only (sluice-bench/server/altstack.sh): no rules, no decisions.
 */
public final class AltStackNoop {

  private static final byte[] NOOP_BODY =
      "{\"overallCode\":\"OK\"}".getBytes(StandardCharsets.UTF_8);
  private static final RateLimitResponse NOOP = RateLimitResponse.newBuilder()
      .setOverallCode(RateLimitResponse.Code.OK).build();

  private AltStackNoop() {}

  /** Starts both servers and waits until the process is killed. */
  public static void main(String[] args) throws IOException, InterruptedException {
    int threads = 2 * Runtime.getRuntime().availableProcessors();
    // Without it the JDK server's separate header and body writes meet Nagle's algorithm and the
    // client's delayed ACK: about 40 ms per keep-alive request. Read once, when the class loads.
    System.setProperty("sun.net.httpserver.nodelay", "true");

    // grpc-java's default: handlers on a cached thread pool, off the Netty event loop
    Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new NoopRateLimitService())
        .build()
        .start();
    // handlers on the event loop (as Armeria's gRPC service runs them; fit for non-blocking code)
    Server grpcDirect = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .addService(new NoopRateLimitService())
        .build()
        .start();

    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    http.setExecutor(pool);
    http.createContext("/noop", AltStackNoop::noop);
    http.start();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      http.stop(0);
      pool.shutdownNow();
      grpc.shutdownNow();
      grpcDirect.shutdownNow();
      stopped.countDown();
    }, "altstack-shutdown"));

    System.out.println("altstack: serving http=" + http.getAddress().getPort()
        + " grpc=" + grpc.getPort() + " grpc-direct=" + grpcDirect.getPort() + " (http pool " + threads + " threads)");
    System.out.flush();
    stopped.await();
  }

  /** {@code POST /noop}: reads the body (as Armeria aggregates it), answers the constant. */
  private static void noop(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(200, NOOP_BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(NOOP_BODY);
      }
    }
  }

  /** envoy's rate limit service answering every request {@code OK}, without a decision. */
  private static final class NoopRateLimitService
      extends RateLimitServiceGrpc.RateLimitServiceImplBase {
    @Override
    public void shouldRateLimit(RateLimitRequest request,
        StreamObserver<RateLimitResponse> observer) {
      observer.onNext(NOOP);
      observer.onCompleted();
    }
  }
}
