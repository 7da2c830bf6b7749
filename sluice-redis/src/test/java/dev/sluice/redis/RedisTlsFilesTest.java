package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder's TLS files: each is checked when set, and an error names the file and the reason.
 * (Connections over TLS with client certificates, against a real redis-server, are tested by the
 * service: sluice-server's RedisTlsTest.)
 */
class RedisTlsFilesTest {

  @TempDir Path dir;

  @Test
  void aFileThatCannotBeReadOrHoldsNoPemIsRefusedNamingIt() throws Exception {
    Path missing = dir.resolve("missing.pem");
    Path text = dir.resolve("text.pem");
    Files.writeString(text, "not pem\n");
    RedisBackend.Builder b = RedisBackend.builder("rediss://127.0.0.1:6379");
    assertThatThrownBy(() -> b.clientCertificate(missing, text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot read client certificate " + missing + ": no such file");
    assertThatThrownBy(() -> b.clientCertificate(text, text))
        .hasMessage("client certificate " + text + ": no PEM certificate in it (expected"
            + " '-----BEGIN CERTIFICATE-----' blocks)");
    assertThatThrownBy(() -> b.trustedCertificates(dir))
        .hasMessageStartingWith("cannot read trusted certificates " + dir + ": ");
    assertThatThrownBy(() -> b.trustedCertificates(missing))
        .hasMessage("cannot read trusted certificates " + missing + ": no such file");
    Path broken = dir.resolve("broken.pem");
    Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> b.trustedCertificates(broken))
        .hasMessageStartingWith("trusted certificates " + broken + ": not a valid PEM"
            + " certificate: ");
  }

  @Test
  void certificatesNeedATlsUri() throws Exception {
    Path ca = dir.resolve("ca.pem");
    // a real certificate: any will do, the JDK's default trust store has some
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(Path.of(System.getProperty("java.home"),
        "lib", "security", "cacerts"))) {
      ks.load(in, "changeit".toCharArray());
    }
    java.security.cert.Certificate any = ks.getCertificate(ks.aliases().nextElement());
    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(any.getEncoded())
        + "\n-----END CERTIFICATE-----\n");
    RedisBackend.Builder tls = RedisBackend.builder("redis://127.0.0.1:6379")
        .trustedCertificates(ca);
    assertThatThrownBy(tls::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("client and trusted certificates apply to TLS connections only: use a"
            + " rediss:// URI (rediss-sentinel://, rediss-cluster://), not"
            + " redis://127.0.0.1:6379");
    assertThat(RedisBackend.builder("rediss://127.0.0.1:6379").trustedCertificates(ca))
        .isNotNull();
  }
}
