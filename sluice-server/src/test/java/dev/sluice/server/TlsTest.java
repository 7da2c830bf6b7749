package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the decision ports and the admin port, over real sockets, with certificates the test
 * makes: HTTPS and gRPC clients that trust the test's CA, client certificates (mTLS) required
 * and optional, a certificate change picked up by new connections, and files that cannot be used
 * stopping the start with the file and the reason.
 */
class TlsTest {

  @TempDir Path dir;
  private TestCertificates.Issued ca;
  private TestCertificates.Issued server;
  private Path cert;
  private Path key;
  private Path caFile;

  @BeforeEach
  void certificates() throws Exception {
    ca = TestCertificates.ca("sluice test CA");
    server = TestCertificates.server(ca, "first");
    cert = dir.resolve("server.crt");
    key = dir.resolve("server.key");
    caFile = dir.resolve("ca.crt");
    server.write(cert, key);
    Files.writeString(caFile, TestCertificates.pem(ca.certificate()));
    Files.createDirectories(dir.resolve("rules"));
  }

  private Running start(Map<String, String> extra) throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("tls-cert", cert.toString());
    settings.put("tls-key", key.toString());
    settings.putAll(extra);
    return Running.start(dir.resolve("rules"), Map.of("api.yaml", HttpApiTest.RULES), settings);
  }

  private static HttpResponse<String> post(SSLContext tls, int port, String path, String body)
      throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().sslContext(tls)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(SSLContext tls, int port, String path)
      throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().sslContext(tls)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private RateLimitResponse grpc(int port, TestCertificates.@Nullable Issued client) {
    ClientFactory factory = ClientFactory.builder().tlsCustomizer(b -> {
      b.trustManager(ca.certificate());
      if (client != null) {
        b.keyManager(client.key(), client.certificate());
      }
    }).build();
    try {
      RateLimitServiceBlockingStub stub = GrpcClients.builder("https://127.0.0.1:" + port)
          .factory(factory).build(RateLimitServiceBlockingStub.class);
      return stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("api")
          .addDescriptors(GrpcServiceTest.descriptor("user", "grpc-tls")).build());
    } finally {
      factory.close();
    }
  }

  private static String body(String user) {
    return Running.envoy("api", "user", user);
  }

  @Test
  void httpsGrpcAndTheAdminPortServeTlsToClientsThatTrustTheCa() throws Exception {
    try (Running s = start(Map.of())) {
      assertThat(s.server.tls()).isTrue();
      SSLContext trusting = TestCertificates.trusting(ca);
      HttpResponse<String> r = post(trusting, s.server.httpPort(), "/json", body("alice"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"overallCode\":\"OK\"");
      assertThat(get(trusting, s.server.httpPort(), "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(trusting, s.server.adminPort(), "/metrics").body())
          .contains("sluice_decisions_total");
      assertThat(grpc(s.server.grpcPort(), null).getOverallCode())
          .isEqualTo(RateLimitResponse.Code.OK);
      // a client that does not trust the CA is refused by its own checks
      assertThatThrownBy(() -> post(SSLContext.getDefault(), s.server.httpPort(), "/json",
          body("bob"))).isInstanceOf(IOException.class);
      // no cleartext on a TLS port
      assertThatThrownBy(() -> s.post("/json", body("carol"))).isInstanceOf(IOException.class);
    }
  }

  @Test
  void requiredClientCertificatesRefuseAClientWithoutOne() throws Exception {
    try (Running s = start(Map.of("tls-client-ca", caFile.toString(),
        "tls-client-auth", "require"))) {
      TestCertificates.Issued client = TestCertificates.client(ca, "envoy");
      SSLContext withCert = client.clientContext(ca);
      assertThat(post(withCert, s.server.httpPort(), "/json", body("alice")).statusCode())
          .isEqualTo(200);
      assertThat(grpc(s.server.grpcPort(), client).getOverallCode())
          .isEqualTo(RateLimitResponse.Code.OK);
      assertThat(get(withCert, s.server.adminPort(), "/v1/rules").statusCode()).isEqualTo(200);

      SSLContext without = TestCertificates.trusting(ca);
      assertThatThrownBy(() -> post(without, s.server.httpPort(), "/json", body("alice")))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> get(without, s.server.adminPort(), "/metrics"))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> grpc(s.server.grpcPort(), null))
          .isInstanceOf(StatusRuntimeException.class);
      // a certificate from another CA is refused too
      TestCertificates.Issued stranger = TestCertificates.client(
          TestCertificates.ca("another CA"), "stranger");
      assertThatThrownBy(() -> post(stranger.clientContext(ca), s.server.httpPort(), "/json",
          body("alice"))).isInstanceOf(IOException.class);
    }
  }

  @Test
  void optionalClientCertificatesLetClientsWithoutOneIn() throws Exception {
    try (Running s = start(Map.of("tls-client-ca", caFile.toString(),
        "tls-client-auth", "optional"))) {
      assertThat(post(TestCertificates.trusting(ca), s.server.httpPort(), "/json",
          body("alice")).statusCode()).isEqualTo(200);
      TestCertificates.Issued client = TestCertificates.client(ca, "envoy");
      assertThat(post(client.clientContext(ca), s.server.httpPort(), "/json", body("alice"))
          .statusCode()).isEqualTo(200);
    }
  }

  private static String subject(SSLContext tls, int port) throws Exception {
    HttpResponse<String> r = get(tls, port, "/healthz");
    X509Certificate c = (X509Certificate) r.sslSession().orElseThrow()
        .getPeerCertificates()[0];
    return c.getSubjectX500Principal().getName();
  }

  @Test
  void newConnectionsGetTheCertificateWrittenAfterStart() throws Exception {
    try (Running s = start(Map.of("reload-interval", "100ms"))) {
      SSLContext trusting = TestCertificates.trusting(ca);
      int port = s.server.httpPort();
      assertThat(subject(trusting, port)).isEqualTo("CN=first");

      TestCertificates.server(ca, "second").write(cert, key);
      awaitSubject(trusting, port, "CN=second");
      assertThat(subject(trusting, s.server.adminPort())).isEqualTo("CN=second");
      assertThat(grpc(s.server.grpcPort(), null).getOverallCode())
          .isEqualTo(RateLimitResponse.Code.OK);

      // a broken change is refused; the last good certificate stays
      Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
      Thread.sleep(500);
      assertThat(subject(trusting, port)).isEqualTo("CN=second");
      // and once fixed, it is used
      TestCertificates.server(ca, "third").write(cert, key);
      awaitSubject(trusting, port, "CN=third");
    }
  }

  private static void awaitSubject(SSLContext tls, int port, String expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String seen = subject(tls, port);
    while (!seen.equals(expected)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still " + seen + " after 10 s, expected " + expected);
      }
      Thread.sleep(50);
      seen = subject(tls, port);
    }
  }

  private static ServerConfig config(Map<String, String> settings) {
    Map<String, String> all = new LinkedHashMap<>(Map.of("http-port", "0", "grpc-port", "0",
        "admin-port", "0"));
    all.putAll(settings);
    return ServerConfig.resolve(all, Map.of(), null);
  }

  @Test
  void certificateOrKeyFilesThatCannotBeUsedStopTheStartNamingTheFileAndWhy() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", missing.toString(),
        "tls-key", key.toString()))))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("cannot read tls-cert " + missing + ": no such file");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", cert.toString(),
        "tls-key", missing.toString()))))
        .hasMessage("cannot read tls-key " + missing + ": no such file");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", cert.toString(),
        "tls-key", dir.toString()))))
        .hasMessageStartingWith("cannot read tls-key " + dir + ": ");

    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "hello\n");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", garbage.toString(),
        "tls-key", key.toString()))))
        .hasMessage("tls-cert " + garbage + ": no PEM certificate in it (expected"
            + " '-----BEGIN CERTIFICATE-----' blocks)");
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", cert.toString(),
        "tls-key", garbage.toString()))))
        .hasMessageStartingWith("tls-key " + garbage + ": not a PEM private key (expected an"
            + " unencrypted PKCS#8 '-----BEGIN PRIVATE KEY-----' block)");
    Path otherKey = dir.resolve("other.key");
    Files.writeString(otherKey, TestCertificates.pem(TestCertificates.server(ca, "x").key()));
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", cert.toString(),
        "tls-key", otherKey.toString()))))
        .hasMessage("tls-key " + otherKey + " is not the key of the certificate in tls-cert "
            + cert);
    assertThatThrownBy(() -> SluiceServer.start(config(Map.of("tls-cert", cert.toString(),
        "tls-key", key.toString(), "tls-client-ca", garbage.toString(),
        "tls-client-auth", "require"))))
        .hasMessage("tls-client-ca " + garbage + ": no PEM certificate in it (expected"
            + " '-----BEGIN CERTIFICATE-----' blocks)");
  }

  @Test
  void tlsSettingsThatDoNotGoTogetherAreConfigErrors() {
    assertThatThrownBy(() -> config(Map.of("tls-cert", cert.toString())))
        .hasMessage("invalid tls-cert '" + cert + "' (from --tls-cert): tls-cert and tls-key go"
            + " together: give both (PEM files) or neither");
    assertThatThrownBy(() -> config(Map.of("tls-cert", cert.toString(), "tls-key",
        key.toString(), "tls-client-auth", "require")))
        .hasMessage("invalid tls-client-auth 'require' (from --tls-client-auth): client"
            + " certificates need tls-client-ca (a PEM file of the CA certificates that sign"
            + " them)");
    assertThatThrownBy(() -> config(Map.of("tls-cert", cert.toString(), "tls-key",
        key.toString(), "tls-client-ca", caFile.toString())))
        .hasMessage("invalid tls-client-ca '" + caFile + "' (from --tls-client-ca): set"
            + " tls-client-auth to require or optional to ask clients for certificates");
    assertThatThrownBy(() -> config(Map.of("tls-client-ca", caFile.toString(),
        "tls-client-auth", "require")))
        .hasMessage("invalid tls-client-ca '" + caFile + "' (from --tls-client-ca): client"
            + " certificates need TLS: set tls-cert and tls-key too");
    assertThatThrownBy(() -> config(Map.of("tls-client-auth", "sometimes")))
        .hasMessage("invalid tls-client-auth 'sometimes' (from --tls-client-auth): expected"
            + " none, optional or require");
  }
}
