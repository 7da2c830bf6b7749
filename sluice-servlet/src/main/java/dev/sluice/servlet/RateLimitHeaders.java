package dev.sluice.servlet;

import dev.sluice.Decision;
import dev.sluice.Limit;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;

/** Writes a {@link Verdict}'s rate limit headers in a {@link HeaderStyle}. */
final class RateLimitHeaders {

  private RateLimitHeaders() {}

  static void write(HttpServletResponse response, Verdict verdict, HeaderStyle style,
      boolean denied) {
    Decision d = verdict.deciding();
    if (d == null || style == HeaderStyle.NONE) {
      return;
    }
    long remaining = d.allowed() ? d.remaining() : 0;
    long reset = ceilSeconds(d.resetAfterMicros());
    if (style.xRateLimit()) {
      response.setHeader("X-RateLimit-Limit", Long.toString(d.limit().count()));
      response.setHeader("X-RateLimit-Remaining", Long.toString(remaining));
      response.setHeader("X-RateLimit-Reset", Long.toString(reset));
    }
    if (style.ietf()) {
      List<String> policies = new ArrayList<>();
      for (Limit l : verdict.policies()) {
        policies.add(quote(l.name()) + ";q=" + l.count() + ";w=" + ceilSeconds(l.periodMicros()));
      }
      response.setHeader("RateLimit-Policy", String.join(", ", policies));
      response.setHeader("RateLimit", quote(d.limit().name()) + ";r=" + remaining + ";t=" + reset);
    }
    if (denied && d.retryAfterMicros() != Long.MAX_VALUE) {
      response.setHeader("Retry-After", Long.toString(retryAfterSeconds(d)));
    }
  }

  /** Whole seconds to wait, rounded up, at least 1 for a denial. */
  static long retryAfterSeconds(Decision d) {
    return Math.max(1, ceilSeconds(d.retryAfterMicros()));
  }

  static long ceilSeconds(long micros) {
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
