package dev.sluice.server;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made by the tests themselves (Bouncy Castle, no {@code openssl}): a CA, server
 * certificates for 127.0.0.1 and localhost signed by it, and client certificates. EC P-256 keys,
 * written as PEM: certificates, and keys as unencrypted PKCS#8.
 */
final class TestCertificates {

  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate and its private key. */
  record Issued(X509Certificate certificate, PrivateKey key) {

    /** Writes the certificate and the key as PEM files. */
    void write(Path certificateFile, Path keyFile) throws IOException {
      Files.writeString(certificateFile, pem(certificate));
      Files.writeString(keyFile, pem(key));
    }

    /** A TLS context that presents this certificate (client authentication). */
    SSLContext clientContext(Issued trustedCa) throws GeneralSecurityException, IOException {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("me", key, new char[0], new X509Certificate[] {certificate});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(
          KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), trustManagers(trustedCa), RANDOM);
      return ctx;
    }
  }

  private TestCertificates() {}

  /** A self-signed CA. */
  static Issued ca(String name) throws GeneralSecurityException {
    KeyPair pair = keyPair();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder b = builder(subject, subject, pair);
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    return new Issued(sign(b, pair.getPrivate()), pair.getPrivate());
  }

  /** A server certificate for 127.0.0.1 and localhost, signed by {@code ca}. */
  static Issued server(Issued ca, String name) throws GeneralSecurityException {
    return leaf(ca, name, KeyPurposeId.id_kp_serverAuth, true);
  }

  /** A client certificate signed by {@code ca}. */
  static Issued client(Issued ca, String name) throws GeneralSecurityException {
    return leaf(ca, name, KeyPurposeId.id_kp_clientAuth, false);
  }

  /** A TLS context that trusts {@code ca} and presents no certificate. */
  static SSLContext trusting(Issued ca) throws GeneralSecurityException, IOException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, trustManagers(ca), RANDOM);
    return ctx;
  }

  static String pem(X509Certificate certificate) {
    try {
      return pem("CERTIFICATE", certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded()); // PKCS#8
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static javax.net.ssl.TrustManager[] trustManagers(Issued ca)
      throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  private static Issued leaf(Issued ca, String name, KeyPurposeId purpose, boolean hostNames)
      throws GeneralSecurityException {
    KeyPair pair = keyPair();
    X509v3CertificateBuilder b = builder(
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
        new X500Name("CN=" + name), pair);
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      if (hostNames) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
            new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")}));
      }
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    return new Issued(sign(b, ca.key()), pair.getPrivate());
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject,
      KeyPair pair) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(2))),
        subject, pair.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }
}
