package dev.sluice.internal;

import java.security.SecureRandom;
import java.util.Base64;

/** Hold ids: 128 random bits from a {@link SecureRandom}, URL-safe base64 (22 characters). */
public final class HoldIds {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private HoldIds() {}

  /** A new id, unguessable. */
  public static String next() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return ENCODER.encodeToString(bytes);
  }
}
