package dev.sluice.server;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.server.ServerTlsConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate and key of the TLS listeners (HTTP, gRPC and admin ports), read from PEM files
 * ({@code tls-cert}, {@code tls-key}, and {@code tls-client-ca} for client certificates), and
 * read again when they change: the files are checked every {@code reload-interval} (content
 * hashes, so a rename or a symlink swap counts too), and new connections get the new certificate
 * as soon as it is read. A change that cannot be used (half written, a key that does not belong to
 * the certificate) is logged and the previous certificate stays until the files are fixed.
 *
 * <p>Armeria asks {@link #keyPair(String)} and {@link #trustedCertificates(String)} per new
 * connection (it keeps one TLS context per distinct answer), so a swap costs nothing to requests.
 */
final class ServerTls implements TlsProvider, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  /** What the files held when last read successfully. */
  private record Loaded(TlsKeyPair keyPair, @Nullable List<X509Certificate> trusted) {}

  private final Path cert;
  private final Path key;
  private final @Nullable Path ca;
  private final ServerConfig.ClientAuth clientAuth;
  private volatile Loaded current;
  /** The files' hash when last read (successfully or not): a change of it triggers a reload. */
  private String seen;
  private @Nullable FilePoller poller;

  private ServerTls(Path cert, Path key, @Nullable Path ca, ServerConfig.ClientAuth clientAuth,
      Loaded loaded, String seen) {
    this.cert = cert;
    this.key = key;
    this.ca = ca;
    this.clientAuth = clientAuth;
    this.current = loaded;
    this.seen = seen;
  }

  /**
   * The TLS files of {@code config}, read and checked, or null when {@code tls-cert} is not set.
   *
   * @throws ServerConfig.ConfigException naming the file and the reason it cannot be used
   */
  static @Nullable ServerTls load(ServerConfig config) {
    Path cert = config.tlsCert();
    Path key = config.tlsKey();
    if (cert == null || key == null) {
      return null;
    }
    Contents files = Contents.read(cert, key, config.tlsClientCa());
    ServerTls tls = new ServerTls(cert, key, config.tlsClientCa(), config.tlsClientAuth(),
        parse(cert, key, config.tlsClientCa(), files), files.hash());
    X509Certificate leaf = tls.current.keyPair().certificateChain().get(0);
    log.info("TLS: certificate {} (valid until {}) from {}; client certificates: {}",
        leaf.getSubjectX500Principal().getName(), leaf.getNotAfter().toInstant(), cert,
        config.tlsClientAuth().name().toLowerCase(java.util.Locale.ROOT));
    return tls;
  }

  /** Armeria's TLS settings of every listener: the client certificate policy. */
  ServerTlsConfig serverTlsConfig() {
    return ServerTlsConfig.builder().clientAuth(switch (clientAuth) {
      case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
      case OPTIONAL -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
      case REQUIRE -> io.netty.handler.ssl.ClientAuth.REQUIRE;
    }).build();
  }

  @Override
  public TlsKeyPair keyPair(String hostname) {
    return current.keyPair();
  }

  @Override
  public @Nullable List<X509Certificate> trustedCertificates(String hostname) {
    return current.trusted();
  }

  /** Checks the files for changes every {@code interval} on a daemon thread. */
  synchronized void watch(Duration interval) {
    if (poller != null) {
      return;
    }
    poller = FilePoller.every(interval, "sluice-tls-reloader", "TLS files",
        this::reloadIfChanged);
  }

  /** Reads the files again if their content changed; keeps the last good pair if unusable. */
  synchronized void reloadIfChanged() {
    Contents files;
    try {
      files = Contents.read(cert, key, ca);
    } catch (ServerConfig.ConfigException e) {
      String h = "unreadable " + e.getMessage();
      if (!h.equals(seen)) {
        seen = h;
        log.warn("TLS files changed but cannot be used ({}); the previous certificate stays",
            e.getMessage());
      }
      return;
    }
    String h = files.hash();
    if (h.equals(seen)) {
      return;
    }
    seen = h;
    try {
      current = parse(cert, key, ca, files);
      X509Certificate leaf = current.keyPair().certificateChain().get(0);
      log.info("TLS: reloaded certificate {} (valid until {}) from {}",
          leaf.getSubjectX500Principal().getName(), leaf.getNotAfter().toInstant(), cert);
    } catch (ServerConfig.ConfigException e) {
      log.warn("TLS files changed but cannot be used ({}); the previous certificate stays",
          e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.close();
      poller = null;
    }
  }

  /** The bytes of the three files. */
  private record Contents(byte[] cert, byte[] key, byte @Nullable [] ca) {
    static Contents read(Path cert, Path key, @Nullable Path ca) {
      return new Contents(bytes("tls-cert", cert), bytes("tls-key", key),
          ca == null ? null : bytes("tls-client-ca", ca));
    }

    String hash() {
      try {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(cert);
        md.update((byte) 0);
        md.update(key);
        md.update((byte) 0);
        if (ca != null) {
          md.update(ca);
        }
        return HexFormat.of().formatHex(md.digest());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static byte[] bytes(String setting, Path file) {
    try {
      return java.nio.file.Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ServerConfig.ConfigException("cannot read " + setting + " " + file + ": "
          + AdminToken.reason(e));
    }
  }

  private static Loaded parse(Path cert, Path key, @Nullable Path ca, Contents files) {
    List<X509Certificate> chain = certificates("tls-cert", cert, files.cert());
    PrivateKey privateKey = privateKey(key, files.key());
    if (!belongsTo(privateKey, chain.get(0))) {
      throw new ServerConfig.ConfigException("tls-key " + key + " is not the key of the"
          + " certificate in tls-cert " + cert);
    }
    List<X509Certificate> trusted = ca == null || files.ca() == null ? null
        : certificates("tls-client-ca", ca, files.ca());
    return new Loaded(TlsKeyPair.of(privateKey, chain), trusted);
  }

  private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PKCS8_END = "-----END PRIVATE KEY-----";

  /** The unencrypted PKCS#8 private key of a PEM file (RSA, EC or EdDSA). */
  static PrivateKey privateKey(Path file, byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf(PKCS8_BEGIN);
    int end = begin < 0 ? -1 : text.indexOf(PKCS8_END, begin);
    String expected = "expected an unencrypted PKCS#8 '" + PKCS8_BEGIN + "' block";
    if (begin < 0 || end < 0) {
      String found = text.contains("-----BEGIN RSA PRIVATE KEY-----")
          || text.contains("-----BEGIN EC PRIVATE KEY-----")
          ? "; convert a PKCS#1 or SEC1 key with 'openssl pkcs8 -topk8 -nocrypt'"
          : text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
              ? "; this one is encrypted" : "";
      throw new ServerConfig.ConfigException("tls-key " + file + ": not a PEM private key ("
          + expected + ")" + found);
    }
    byte[] der;
    try {
      der = java.util.Base64.getMimeDecoder().decode(
          text.substring(begin + PKCS8_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new ServerConfig.ConfigException("tls-key " + file + ": not a PEM private key ("
          + expected + "): " + e.getMessage());
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA")) {
      try {
        return java.security.KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new ServerConfig.ConfigException("tls-key " + file + ": not a PEM private key ("
        + expected + "): not an RSA, EC or EdDSA key");
  }

  /** Every certificate of a PEM file; at least one. */
  static List<X509Certificate> certificates(String setting, Path file, byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new ServerConfig.ConfigException(setting + " " + file + ": no PEM certificate in it"
          + " (expected '-----BEGIN CERTIFICATE-----' blocks)");
    }
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new java.security.cert.CertificateException("no certificate");
      }
      return List.copyOf(out);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ServerConfig.ConfigException(setting + " " + file + ": not a valid PEM"
          + " certificate: " + rootMessage(e));
    }
  }

  /** Whether {@code key} signs what {@code certificate}'s public key verifies. */
  private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519", "Ed448" -> key instanceof EdECPrivateKey ed
          ? ed.getParams().getName() : key.getAlgorithm();
      default -> null;
    };
    if (algorithm == null) {
      return true; // an algorithm this check does not know: the TLS handshake will tell
    }
    try {
      byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      s.initVerify(certificate.getPublicKey());
      s.update(probe);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
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
