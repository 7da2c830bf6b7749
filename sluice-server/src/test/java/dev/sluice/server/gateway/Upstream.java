package dev.sluice.server.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * The application behind the gateway: the JDK's HTTP server on a free port of 127.0.0.1, answering
 * every request 200 and remembering it, so a test counts exactly what reached it.
 */
final class Upstream implements AutoCloseable {

  /** One request that reached the application. */
  record Request(String method, String path, String apiKey, String forwardedFor) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final ConcurrentLinkedQueue<Request> seen = new ConcurrentLinkedQueue<>();

  Upstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        seen.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
            Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("X-API-Key"), ""),
            Objects.requireNonNullElse(
                exchange.getRequestHeaders().getFirst("X-Forwarded-For"), "")));
        byte[] body = "upstream\n".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    server.start();
  }

  /** host:port of this application. */
  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The requests that reached the application and satisfy {@code which}. */
  List<Request> requests(Predicate<Request> which) {
    return seen.stream().filter(which).toList();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
