package dev.sluice.server;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The bearer token that the admin API's writes need, read once at start from {@code
 * admin-token-file} or the environment variable {@link ServerConfig#ADMIN_TOKEN_ENV}. Only its
 * SHA-256 digest is kept; a presented token is compared digest to digest with {@link
 * MessageDigest#isEqual}, whose time does not depend on where the digests differ. The {@link
 * #fingerprint() fingerprint} (the first 8 hex digits of the digest) names the token in audit
 * entries without revealing it.
 */
final class AdminToken {

  /** The shortest token accepted: shorter ones are guessable. */
  static final int MIN_LENGTH = 16;

  private final byte @Nullable [] digest;
  private final String fingerprint;

  private AdminToken(byte @Nullable [] digest) {
    this.digest = digest;
    this.fingerprint = digest == null ? "-"
        : "sha256:" + HexFormat.of().formatHex(digest, 0, 4);
  }

  /** No token: every write is refused (403). */
  static AdminToken none() {
    return new AdminToken(null);
  }

  /**
   * The token configured by {@code config}, or {@link #none()}.
   *
   * @throws ServerConfig.ConfigException naming the file (or variable) and why it cannot be used
   */
  static AdminToken load(ServerConfig config) {
    Path file = config.adminTokenFile();
    if (file != null) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new ServerConfig.ConfigException("cannot read admin-token-file " + file + ": "
            + reason(e));
      }
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw new ServerConfig.ConfigException("admin-token-file " + file
            + ": the token is not UTF-8 text");
      }
      return of(text.strip(), "admin-token-file " + file);
    }
    String env = config.adminTokenFromEnvironment();
    return env == null ? none() : of(env.strip(), "environment " + ServerConfig.ADMIN_TOKEN_ENV);
  }

  /** A token from {@code source} (named in errors). */
  static AdminToken of(String token, String source) {
    if (token.length() < MIN_LENGTH) {
      throw new ServerConfig.ConfigException(source + ": the admin token has " + token.length()
          + " characters; use at least " + MIN_LENGTH + " (for example the output of"
          + " 'head -c 32 /dev/urandom | base64')");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new ServerConfig.ConfigException(source + ": the admin token must not contain"
            + " spaces or control characters (it is sent in an HTTP header)");
      }
    }
    return new AdminToken(sha256(token));
  }

  /** Whether a token is configured (else writes are refused). */
  boolean configured() {
    return digest != null;
  }

  /** Names the token in audit entries: {@code sha256:} and 8 hex digits, {@code -} for none. */
  String fingerprint() {
    return fingerprint;
  }

  /**
   * Whether {@code authorization} (the request's {@code Authorization} header, maybe null) is
   * {@code Bearer <the token>}.
   */
  boolean accepts(@Nullable String authorization) {
    byte[] expected = digest;
    if (expected == null || authorization == null) {
      return false;
    }
    String h = authorization.strip();
    int space = h.indexOf(' ');
    if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return false;
    }
    return MessageDigest.isEqual(sha256(h.substring(space + 1).strip()), expected);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An I/O error as a short reason: "no such file", "permission denied", or its message. */
  static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
