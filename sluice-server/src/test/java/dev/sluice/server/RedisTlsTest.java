package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testkit.redis.RedisBinary;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service on a {@code rediss://} backend: the testkit's redis-server serving TLS only and
 * requiring client certificates ({@code tls-auth-clients yes}), with certificates the test makes.
 */
class RedisTlsTest {

  @TempDir Path dir;
  private TestCertificates.Issued ca;
  private Path caFile;
  private Path clientCert;
  private Path clientKey;
  private Process redis;
  private int port;

  @BeforeEach
  void startTlsRedis() throws Exception {
    ca = TestCertificates.ca("redis test CA");
    caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, TestCertificates.pem(ca.certificate()));
    TestCertificates.server(ca, "redis").write(dir.resolve("redis.crt"), dir.resolve("redis.key"));
    clientCert = dir.resolve("client.crt");
    clientKey = dir.resolve("client.key");
    TestCertificates.client(ca, "sluice").write(clientCert, clientKey);
    Path data = Files.createDirectories(dir.resolve("data"));
    try (ServerSocket probe = new ServerSocket(0, 1,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    redis = new ProcessBuilder(List.of(RedisBinary.path().toString(), "--port", "0",
        "--tls-port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", data.toString(),
        "--save", "", "--appendonly", "no", "--protected-mode", "no",
        "--tls-cert-file", dir.resolve("redis.crt").toString(),
        "--tls-key-file", dir.resolve("redis.key").toString(),
        "--tls-ca-cert-file", caFile.toString(), "--tls-auth-clients", "yes"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        break;
      } catch (IOException e) {
        if (!redis.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server with TLS did not start: "
              + Files.readString(dir.resolve("redis.log")), e);
        }
        Thread.sleep(50);
      }
    }
  }

  @AfterEach
  void stopRedis() throws InterruptedException {
    redis.destroy();
    if (!redis.waitFor(10, TimeUnit.SECONDS)) {
      redis.destroyForcibly();
    }
  }

  private Running start(Map<String, String> settings) throws IOException {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    return Running.start(rules, Map.of("api.yaml", HttpApiTest.RULES), settings);
  }

  @Test
  void decidesInRedisOverTlsWithAClientCertificate() throws Exception {
    try (Running s = start(Map.of("backend", "rediss://127.0.0.1:" + port,
        "redis-tls-cert", clientCert.toString(), "redis-tls-key", clientKey.toString(),
        "redis-tls-ca", caFile.toString(), "failure-policy", "fail-closed",
        "redis-timeout", "1s"))) {
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
      List<Integer> codes = new ArrayList<>();
      Running.clearOfAMinuteBoundary();
      for (int i = 0; i < 4; i++) {
        codes.add(s.post("/json", Running.envoy("api", "user", "tls")).statusCode());
      }
      assertThat(codes).containsExactly(200, 200, 200, 429);
      assertThat(s.metrics()).doesNotContain("sluice_backend_degraded_total{");
    }
  }

  @Test
  void withoutAClientCertificateRedisRefusesTheConnection() throws Exception {
    try (Running s = start(Map.of("backend", "rediss://127.0.0.1:" + port,
        "redis-tls-ca", caFile.toString(), "failure-policy", "fail-closed"))) {
      assertThat(s.get("/readyz").statusCode()).isEqualTo(503);
      assertThat(s.post("/json", Running.envoy("api", "user", "tls")).statusCode())
          .isEqualTo(429);
      assertThat(s.metrics())
          .contains("sluice_backend_degraded_total{reason=\"backend_unavailable\"}");
    }
  }

  private static ServerConfig config(Map<String, String> settings) {
    Map<String, String> all = new java.util.LinkedHashMap<>(Map.of("http-port", "0",
        "grpc-port", "0", "admin-port", "0"));
    all.putAll(settings);
    return ServerConfig.resolve(all, Map.of(), null);
  }

  @Test
  void redisTlsFilesThatCannotBeUsedStopTheStartNamingTheFile() throws Exception {
    Path missing = dir.resolve("missing.crt");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("backend",
        "rediss://127.0.0.1:" + port, "redis-tls-cert", missing.toString(),
        "redis-tls-key", clientKey.toString()))))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("Redis TLS (redis-tls-cert, redis-tls-key, redis-tls-ca): cannot read client"
            + " certificate " + missing + ": no such file");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("backend",
        "rediss://127.0.0.1:" + port, "redis-tls-cert", clientCert.toString(),
        "redis-tls-key", clientCert.toString()))))
        .hasMessageStartingWith("Redis TLS (redis-tls-cert, redis-tls-key, redis-tls-ca): client"
            + " private key " + clientCert + ": no PEM private key in it");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("backend",
        "rediss://127.0.0.1:" + port, "redis-tls-ca", clientKey.toString()))))
        .hasMessage("Redis TLS (redis-tls-cert, redis-tls-key, redis-tls-ca): trusted"
            + " certificates " + clientKey + ": no PEM certificate in it (expected"
            + " '-----BEGIN CERTIFICATE-----' blocks)");
    assertThatThrownBy(() -> config(Map.of("backend", "redis://127.0.0.1:" + port,
        "redis-tls-ca", caFile.toString())))
        .hasMessage("invalid redis-tls-ca '" + caFile + "' (from --redis-tls-ca): Redis TLS"
            + " files need a TLS backend URI (rediss://, rediss-sentinel://, rediss-cluster://)");
    assertThatThrownBy(() -> config(Map.of("backend", "rediss://127.0.0.1:" + port,
        "redis-tls-key", clientKey.toString())))
        .hasMessage("invalid redis-tls-key '" + clientKey + "' (from --redis-tls-key):"
            + " redis-tls-cert and redis-tls-key go together: give both (PEM files) or neither");
  }
}
