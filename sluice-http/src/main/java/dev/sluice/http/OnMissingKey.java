package dev.sluice.http;

import java.util.Locale;

/**
 * What a front end does when the key resolver needs an identity the request lacks (no or a
 * malformed {@code Authorization: Basic} header, no API key, no such header).
 */
public enum OnMissingKey {
  /** Count the request under the client address instead of the missing part. */
  IP,
  /** Answer 401 Unauthorized (with {@code WWW-Authenticate: Basic} when the key uses the user). */
  REJECT;

  /**
   * Parses {@code ip} or {@code reject} (also {@code 401}), any case.
   *
   * @throws IllegalArgumentException naming the text and the accepted values
   */
  public static OnMissingKey parse(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "ip":
        return IP;
      case "reject":
      case "401":
        return REJECT;
      default:
        throw new IllegalArgumentException(
            "unknown value '" + text + "'; use ip (count under the client address) or reject"
                + " (answer 401)");
    }
  }
}
