package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.Running;
import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forward-auth through a real gateway, as {@code examples/forward-auth} ships it: the gateway
 * (started by the subclass from the example's own configuration file, ports filled in) in front
 * of a real application ({@link Upstream}), asking a real {@code sluice serve} (in process, on the
 * example's {@code sluice.yaml} and rules) on {@code /v1/authorize/frontdoor}. Requests go to the
 * gateway over sockets; what reached the application is counted exactly. The example's limits are
 * per-minute fixed windows on this host's clock: tests that count wait until their requests fall
 * into one ({@link Running#clearOfAMinuteBoundary()}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GatewayContract {

  /** The example, from this module's directory (where the tests run). */
  static final Path EXAMPLE = Path.of("../examples/forward-auth").toAbsolutePath().normalize();

  SluiceServer sluice;
  Upstream app;
  GatewayProcess gateway;
  int port;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Starts the gateway on 127.0.0.1:{@code port} in {@code dir}, asking Sluice at {@code sluice}
   * (host:port) and forwarding to the application at {@code app} (host:port).
   */
  abstract GatewayProcess startGateway(Path dir, int port, String sluice, String app)
      throws Exception;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    sluice = SluiceServer.start(ServerConfig.resolve(Map.of("http-port", "0", "grpc-port", "0",
        "admin-port", "0", "rules", EXAMPLE.resolve("config").toString()), Map.of(),
        EXAMPLE.resolve("sluice.yaml")));
    assertThat(sluice.ready()).as("the example's rules load").isTrue();
    app = new Upstream();
    port = GatewayProcess.freePort();
    gateway = startGateway(dir, port, "127.0.0.1:" + sluice.httpPort(), app.address());
  }

  @AfterAll
  void stop() {
    try (SluiceServer s = sluice; Upstream a = app; GatewayProcess g = gateway) {
      // closed in reverse order: the gateway first, by pid
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  static String unique() {
    return UUID.randomUUID().toString();
  }

  @Test
  void anApiKeyGetsExactlyItsLimitWithTheHeadersPassedThrough() throws Exception {
    Running.clearOfAMinuteBoundary();
    String key = "k-" + unique();
    for (int i = 0; i < 9; i++) {
      HttpResponse<String> r = send(request("/api/orders?page=" + i).header("X-API-Key", key));
      assertThat(header(r, "X-RateLimit-Limit"))
          .as("request %d: %s %s", i, r.statusCode(), r.body()).isEqualTo("5");
      assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"frontdoor.api_key\";q=5;w=60");
      assertThat(header(r, "X-RateLimit-Reset")).matches("[0-9]+");
      if (i < 5) {
        assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("upstream\n");
        assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo(String.valueOf(4 - i));
        assertThat(header(r, "RateLimit")).startsWith("\"frontdoor.api_key\";r=" + (4 - i) + ";t=");
        assertThat(header(r, "Retry-After")).isNull();
      } else {
        assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(429);
        assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(header(r, "RateLimit")).startsWith("\"frontdoor.api_key\";r=0;t=");
        assertThat(Long.parseLong(header(r, "Retry-After"))).isBetween(1L, 60L);
        refusalBody(r);
      }
    }
    assertThat(app.requests(q -> q.apiKey().equals(key))).hasSize(5);
  }

  /** Checks the body of a refusal as this gateway writes it. */
  abstract void refusalBody(HttpResponse<String> refused);

  @Test
  void aConcurrentBurstIsCountedExactly() throws Exception {
    Running.clearOfAMinuteBoundary();
    String key = "burst-" + unique();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      all.add(http.sendAsync(request("/api/burst").header("X-API-Key", key).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int allowed = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      int status = f.join().statusCode();
      assertThat(status).isIn(200, 429);
      if (status == 200) {
        allowed++;
      } else {
        refused++;
      }
    }
    assertThat(allowed).isEqualTo(5);
    assertThat(refused).isEqualTo(25);
    assertThat(app.requests(q -> q.apiKey().equals(key))).hasSize(5);
  }

  @Test
  void healthChecksAreNeverLimited() throws Exception {
    int before = app.requests(q -> q.path().equals("/healthz")).size();
    for (int i = 0; i < 60; i++) {
      HttpResponse<String> r = send(request("/healthz"));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "X-RateLimit-Limit")).isNull();
      assertThat(header(r, "RateLimit")).isNull();
    }
    assertThat(app.requests(q -> q.path().equals("/healthz"))).hasSize(before + 60);
  }

  @Test
  void everyOtherRequestIsLimitedPerClientAddress() throws Exception {
    HttpResponse<String> r = send(request("/index.html"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "X-RateLimit-Limit")).isEqualTo("50");
    assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"frontdoor.remote_address\";q=50;w=1");
  }

  /** POSTs to {@code /login} with {@code headers}; the statuses, in order. */
  List<Integer> logins(int n, String... headers) throws Exception {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpRequest.Builder b = request("/login").POST(HttpRequest.BodyPublishers.ofString("u=1"));
      for (int h = 0; h < headers.length; h += 2) {
        b.header(headers[h], headers[h + 1]);
      }
      out.add(send(b).statusCode());
    }
    return out;
  }

  /** A file of the example, read. */
  static String example(String name) throws IOException {
    return Files.readString(EXAMPLE.resolve(name));
  }
}
