package dev.sluice.http;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The names of the three headers of the {@link HeaderStyle#X_RATELIMIT} style: the deciding
 * limit, what is left under it, and the seconds until it is full again. {@link #DEFAULT} is
 * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}; {@link
 * #ENVOY} is envoy ratelimit's default ({@code LIMIT_LIMIT_HEADER}, {@code
 * LIMIT_REMAINING_HEADER}, {@code LIMIT_RESET_HEADER}).
 *
 * @param limit the header carrying the deciding limit's quota
 * @param remaining the header carrying the permits left under it
 * @param reset the header carrying the whole seconds until it is full again
 */
public record HeaderNames(String limit, String remaining, String reset) {

  /** Names the other styles send, which none of the three may take (before the constants). */
  private static final Set<String> TAKEN = Set.of("retry-after", "ratelimit",
      "ratelimit-policy");

  /** {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}. */
  public static final HeaderNames DEFAULT =
      new HeaderNames("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");

  /** envoy ratelimit's names: {@code RateLimit-Limit}, {@code -Remaining}, {@code -Reset}. */
  public static final HeaderNames ENVOY =
      new HeaderNames("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");

  /**
   * @throws IllegalArgumentException when a name is not an HTTP header name, two are the same
   *     (letter case aside), or one is {@code Retry-After}, {@code RateLimit} or {@code
   *     RateLimit-Policy}
   */
  public HeaderNames {
    name(limit);
    name(remaining);
    name(reset);
    String l = limit.toLowerCase(Locale.ROOT);
    String m = remaining.toLowerCase(Locale.ROOT);
    String r = reset.toLowerCase(Locale.ROOT);
    if (l.equals(m) || l.equals(r) || m.equals(r)) {
      throw new IllegalArgumentException("the limit, remaining and reset headers need three"
          + " different names: " + limit + ", " + remaining + ", " + reset);
    }
    for (String n : new String[] {limit, remaining, reset}) {
      if (TAKEN.contains(n.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("'" + n + "' is sent by another header style or on"
            + " a denial; choose another name");
      }
    }
  }

  /**
   * {@code text} when it is an HTTP header name (RFC 9110 token: letters, digits and {@code
   * !#$%&'*+-.^_`|~}).
   *
   * @throws IllegalArgumentException otherwise
   */
  public static String name(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("expected an HTTP header name, not an empty one");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        throw new IllegalArgumentException("expected an HTTP header name (letters, digits and"
            + " !#$%&'*+-.^_`|~)");
      }
    }
    return text;
  }
}
