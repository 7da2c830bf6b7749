package dev.sluice.http;

import java.util.Locale;

/**
 * Which rate limit headers a response carries, for every front end (servlet filter, HTTP service,
 * gRPC {@code response_headers_to_add}); rendered by {@link RateLimitHeaders}. {@code Retry-After} (whole seconds, rounded up) is
 * added to every 429 in every style but {@link #NONE}.
 */
public enum HeaderStyle {
  /** {@code X-RateLimit-Limit}, {@code -Remaining}, {@code -Reset} (seconds to reset). */
  X_RATELIMIT,
  /** IETF draft {@code RateLimit-Policy: "n";q=100;w=60} and {@code RateLimit: "n";r=0;t=12}. */
  IETF,
  /** Both of the above. */
  BOTH,
  /** No rate limit headers at all, Retry-After included (for APIs that must not reveal limits). */
  NONE;

  /** Whether {@code X-RateLimit-*} headers are sent. */
  public boolean xRateLimit() {
    return this == X_RATELIMIT || this == BOTH;
  }

  /** Whether the IETF {@code RateLimit} and {@code RateLimit-Policy} headers are sent. */
  public boolean ietf() {
    return this == IETF || this == BOTH;
  }

  /**
   * Parses {@code x-ratelimit}, {@code ietf}, {@code both} or {@code none} (any case, {@code -} or
   * {@code _}).
   *
   * @throws IllegalArgumentException naming the text and the accepted values
   */
  public static HeaderStyle parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (HeaderStyle s : values()) {
      if (s.name().equals(t)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown header style '" + text + "'; use one of x-ratelimit, ietf, both, none");
  }
}
