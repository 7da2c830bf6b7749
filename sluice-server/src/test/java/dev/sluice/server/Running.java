package dev.sluice.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A server started on free ports of 127.0.0.1 with a rules directory, and an HTTP client. Unless
 * told otherwise, the admin token is {@link #TOKEN} (from the environment), which {@link
 * #adminPut} and {@link #adminPost} send.
 */
public final class Running implements AutoCloseable {

  /** The admin token of servers started with the default environment. */
  static final String TOKEN = "test-admin-token-0123456789";

  final Path rules;
  final SluiceServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Running(Path rules, SluiceServer server) {
    this.rules = rules;
    this.server = server;
  }

  /** Writes {@code files} (name to YAML) into {@code dir}, starts a server on them. */
  static Running start(Path dir, Map<String, String> files, Map<String, String> settings)
      throws IOException {
    return start(dir, files, settings, Map.of(ServerConfig.ADMIN_TOKEN_ENV, TOKEN));
  }

  /** As {@link #start(Path, Map, Map)} with {@code env} as the process environment. */
  static Running start(Path dir, Map<String, String> files, Map<String, String> settings,
      Map<String, String> env) throws IOException {
    return start(dir, files, settings, env, SluiceServer.Extension.NONE);
  }

  /** As {@link #start(Path, Map, Map, Map)} with {@code extension}'s additions. */
  static Running start(Path dir, Map<String, String> files, Map<String, String> settings,
      Map<String, String> env, SluiceServer.Extension extension) throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
    Map<String, String> cli = new LinkedHashMap<>();
    cli.put("http-port", "0");
    cli.put("grpc-port", "0");
    cli.put("admin-port", "0");
    cli.put("rules", dir.toString());
    cli.putAll(settings);
    return new Running(dir, SluiceServer.start(ServerConfig.resolve(cli, env, null), extension));
  }

  /** A server started on {@code config} (its own ports), its rules in {@code rules}. */
  static Running start(Path rules, ServerConfig config) {
    return new Running(rules, SluiceServer.start(config));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + path);
  }

  URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + server.adminPort() + path);
  }

  /**
   * {@code GET /metrics} of the admin port: the Prometheus text, over HTTP/1.1 as Prometheus
   * scrapes it.
   */
  String metrics() throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(adminUri("/metrics")).version(HttpClient.Version.HTTP_1_1)
        .GET()).body();
  }

  HttpResponse<String> adminGet(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(adminUri(path)).GET());
  }

  /** A {@code PUT} on the admin port with {@link #TOKEN}. */
  HttpResponse<String> adminPut(String path, String body)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(adminUri(path))
        .PUT(HttpRequest.BodyPublishers.ofString(body))
        .header("authorization", "Bearer " + TOKEN));
  }

  /** A {@code POST} on the admin port with {@link #TOKEN}. */
  HttpResponse<String> adminPost(String path, String body)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(adminUri(path))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .header("authorization", "Bearer " + TOKEN));
  }

  /** Any request, as built. */
  HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(b.timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json"));
  }

  HttpResponse<String> post(String path, byte[] body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  /**
   * Waits, if need be, until at least 10 s remain in this wall-clock minute, so that a test's
   * few requests on a per-minute fixed window fall into one window (the backends here run on this
   * host's clock: the memory backend's system clock, or Redis's on 127.0.0.1). Without it, a
   * sequence such as 200, 200, 200, 429 breaks when its requests cross the minute.
   */
  public static void clearOfAMinuteBoundary() throws InterruptedException {
    long intoMinute = System.currentTimeMillis() % 60_000;
    if (intoMinute > 50_000) {
      Thread.sleep(60_000 - intoMinute + 100);
    }
  }

  /** An envoy /json body for one descriptor of key/value pairs. */
  static String envoy(String domain, String... keysAndValues) {
    StringBuilder sb = new StringBuilder("{\"domain\":\"" + domain
        + "\",\"descriptors\":[{\"entries\":[");
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"key\":\"").append(keysAndValues[i]).append("\",\"value\":\"")
          .append(keysAndValues[i + 1]).append("\"}");
    }
    return sb.append("]}]}").toString();
  }

  @Override
  public void close() {
    server.close();
  }
}
