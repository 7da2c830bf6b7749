package dev.sluice.http;

import dev.sluice.Limit;
import dev.sluice.enforcement.Quota;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rate limit headers of a verdict, the same for every front end (the service's HTTP API and
 * gRPC {@code response_headers_to_add}, the servlet filter): {@code
 * X-RateLimit-Limit/Remaining/Reset} (seconds to reset), IETF {@code RateLimit-Policy:
 * "name";q=100;w=60} and {@code RateLimit: "name";r=0;t=12}, and {@code Retry-After} (whole
 * seconds, rounded up, at least 1) on a denial, each as the {@link HeaderStyle} asks. The numbers
 * describe the verdict's {@linkplain Verdict#deciding() deciding} status; {@code RateLimit-Policy}
 * lists every limit that applied.
 */
public final class RateLimitHeaders {

  private RateLimitHeaders() {}

  /** One limit as {@code RateLimit-Policy} describes it: a name, a quota and a window. */
  public record Policy(String name, long quota, long windowSeconds) {

    /** The policy of a core limit: its name, count and period. */
    public static Policy of(Limit limit) {
      return of(Quota.of(limit));
    }

    /** The policy of a limit as a verdict reports it: its name, count and period. */
    public static Policy of(Quota quota) {
      return new Policy(quota.name(), quota.count(), ceilSeconds(quota.periodMicros()));
    }

    /** {@code "name";q=quota;w=window} (RFC 8941 string, escaped). */
    public String render() {
      return quote(name) + ";q=" + quota + ";w=" + windowSeconds;
    }
  }

  /**
   * The headers of {@code verdict}, in a stable order; empty when nothing was limited or for
   * {@link HeaderStyle#NONE}.
   */
  public static Map<String, String> of(Verdict verdict, HeaderStyle style) {
    return of(verdict, style, HeaderNames.DEFAULT);
  }

  /**
   * As {@link #of(Verdict, HeaderStyle)}, with {@code names} for the {@link
   * HeaderStyle#X_RATELIMIT} style's three headers.
   */
  public static Map<String, String> of(Verdict verdict, HeaderStyle style, HeaderNames names) {
    Status s = verdict.deciding();
    Quota deciding = s == null ? null : s.limit();
    if (s == null || deciding == null) {
      return new LinkedHashMap<>();
    }
    List<Policy> policies = new ArrayList<>();
    for (Status each : verdict.limited()) {
      each.limits().forEach(q -> policies.add(Policy.of(q)));
    }
    // the verdict's refusal, not the status's: a refusal global shadow mode admitted sends no
    // Retry-After
    return of(style, names, Policy.of(deciding), s.remaining(), s.resetAfterMicros(),
        verdict.overLimit() && s.overLimit(), s.retryAfterMicros(), policies);
  }

  /**
   * Header name to value, in a stable order; empty for {@link HeaderStyle#NONE}.
   *
   * @param deciding the limit the numbers describe
   * @param remaining permits left under it
   * @param resetAfterMicros time until it is fully replenished
   * @param denied whether the request was refused (adds {@code Retry-After})
   * @param retryAfterMicros the wait when denied; {@code Long.MAX_VALUE} (never) sends none
   * @param policies every limit that applied, for {@code RateLimit-Policy} (duplicates dropped)
   */
  public static Map<String, String> of(HeaderStyle style, Policy deciding, long remaining,
      long resetAfterMicros, boolean denied, long retryAfterMicros, List<Policy> policies) {
    return of(style, HeaderNames.DEFAULT, deciding, remaining, resetAfterMicros, denied,
        retryAfterMicros, policies);
  }

  /**
   * As {@link #of(HeaderStyle, Policy, long, long, boolean, long, List)}, with {@code names} for
   * the {@link HeaderStyle#X_RATELIMIT} style's three headers.
   */
  public static Map<String, String> of(HeaderStyle style, HeaderNames names, Policy deciding,
      long remaining, long resetAfterMicros, boolean denied, long retryAfterMicros,
      List<Policy> policies) {
    Map<String, String> h = new LinkedHashMap<>();
    if (style == HeaderStyle.NONE) {
      return h;
    }
    long reset = ceilSeconds(resetAfterMicros);
    if (style.xRateLimit()) {
      h.put(names.limit(), Long.toString(deciding.quota()));
      h.put(names.remaining(), Long.toString(remaining));
      h.put(names.reset(), Long.toString(reset));
    }
    if (style.ietf()) {
      h.put("RateLimit-Policy", String.join(", ",
          policies.stream().map(Policy::render).distinct().toList()));
      h.put("RateLimit", quote(deciding.name()) + ";r=" + remaining + ";t=" + reset);
    }
    if (denied && retryAfterMicros != Long.MAX_VALUE) {
      h.put("Retry-After", Long.toString(retryAfterSeconds(retryAfterMicros)));
    }
    return h;
  }

  /** {@code Retry-After} for a wait: whole seconds, rounded up, at least 1. */
  public static long retryAfterSeconds(long retryAfterMicros) {
    return Math.max(1, ceilSeconds(retryAfterMicros));
  }

  /** Microseconds as whole seconds, rounded up; 0 for none, and never overflowing for never. */
  public static long ceilSeconds(long micros) {
    if (micros <= 0) {
      return 0;
    }
    if (micros == Long.MAX_VALUE) {
      return Long.MAX_VALUE / 1_000_000;
    }
    return (micros + 999_999) / 1_000_000;
  }

  /** A structured-field string (RFC 8941): quoted, with {@code \} and {@code "} escaped. */
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
