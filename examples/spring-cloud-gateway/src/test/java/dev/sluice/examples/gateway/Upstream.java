package dev.sluice.examples.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The upstream service: a JDK HTTP server on a free port that counts calls per client. */
final class Upstream implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  Upstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String client = exchange.getRequestHeaders().getFirst(GatewayApplication.CLIENT_HEADER);
      calls.computeIfAbsent(client + " " + exchange.getRequestURI().getPath(),
          k -> new AtomicInteger()).incrementAndGet();
      byte[] body = ("served " + exchange.getRequestURI().getPath())
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  String uri() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests of {@code client} for {@code path} that reached the upstream. */
  int calls(String client, String path) {
    AtomicInteger n = calls.get(client + " " + path);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
