package dev.sluice.servlet;

import dev.sluice.Decision;
import dev.sluice.rules.HeaderStyle;
import dev.sluice.rules.RateLimitHeaders.Policy;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;

/** Sets a {@link Verdict}'s rate limit headers on a response, as the shared renderer gives them. */
final class RateLimitHeaders {

  private RateLimitHeaders() {}

  static void write(HttpServletResponse response, Verdict verdict, HeaderStyle style,
      boolean denied) {
    Decision d = verdict.deciding();
    if (d == null) {
      return;
    }
    Map<String, String> headers = dev.sluice.rules.RateLimitHeaders.of(style,
        Policy.of(d.limit()), d.allowed() ? d.remaining() : 0, d.resetAfterMicros(), denied,
        d.retryAfterMicros(), verdict.policies().stream().map(Policy::of).toList());
    headers.forEach(response::setHeader);
  }
}
