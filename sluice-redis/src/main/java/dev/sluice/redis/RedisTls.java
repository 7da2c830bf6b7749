package dev.sluice.redis;

import io.lettuce.core.SslOptions;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import org.jspecify.annotations.Nullable;

/**
 * The PEM files of a TLS connection to Redis: a client certificate chain and its key (for
 * servers that require client certificates) and the CA certificates to trust. Each file is read
 * and parsed when set, so a file that cannot be used fails the builder naming it and the reason;
 * Lettuce reads them again whenever it connects.
 */
final class RedisTls {

  private @Nullable Path certificateChain;
  private @Nullable Path privateKey;
  private @Nullable Path trusted;

  /** Checks and keeps a client certificate chain and its private key. */
  void clientCertificate(Path chain, Path key) {
    certificates("client certificate", chain);
    byte[] pem = read("client private key", key);
    if (!new String(pem, StandardCharsets.US_ASCII).contains("PRIVATE KEY-----")) {
      throw new IllegalArgumentException("client private key " + key + ": no PEM private key in"
          + " it (expected an unencrypted PKCS#8 '-----BEGIN PRIVATE KEY-----' block)");
    }
    try {
      SslContextBuilder.forClient().keyManager(chain.toFile(), key.toFile()).build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("client private key " + key + ": not a usable PEM"
          + " private key for " + chain + " (expected unencrypted PKCS#8): " + rootMessage(e));
    }
    this.certificateChain = chain;
    this.privateKey = key;
  }

  /** Checks and keeps the CA certificates to trust. */
  void trustedCertificates(Path caFile) {
    certificates("trusted certificates", caFile);
    this.trusted = caFile;
  }

  boolean configured() {
    return certificateChain != null || trusted != null;
  }

  /** Lettuce's options for these files, or null when none is set. */
  @Nullable SslOptions sslOptions() {
    if (!configured()) {
      return null;
    }
    SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
    if (certificateChain != null && privateKey != null) {
      b.keyManager(certificateChain.toFile(), privateKey.toFile(), null);
    }
    if (trusted != null) {
      b.trustManager(trusted.toFile());
    }
    return b.build();
  }

  private static void certificates(String what, Path file) {
    byte[] pem = read(what, file);
    if (!new String(pem, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(what + " " + file + ": no PEM certificate in it"
          + " (expected '-----BEGIN CERTIFICATE-----' blocks)");
    }
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem)).isEmpty()) {
        throw new GeneralSecurityException("no certificate");
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(what + " " + file + ": not a valid PEM certificate: "
          + rootMessage(e));
    }
  }

  private static byte[] read(String what, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + file
          + ": permission denied");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + file + ": "
          + rootMessage(e));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }
}
