package dev.sluice.server;

import dev.sluice.rules.RuleLimit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rate limit headers of a result, in the configured {@link ServerConfig.HeaderStyle}:
 * {@code X-RateLimit-Limit/Remaining/Reset} (seconds to reset), IETF {@code RateLimit-Policy:
 * "name";q=100;w=60} and {@code RateLimit: "name";r=0;t=12}, and {@code Retry-After} (seconds)
 * when over limit.
 * Values describe the {@linkplain Engine.Result#deciding() deciding} descriptor.
 */
final class RateLimitHeaders {

  private RateLimitHeaders() {}

  /** Header name to value, in a stable order; empty when nothing was limited or style is none. */
  static Map<String, String> of(Engine.Result result, ServerConfig.HeaderStyle style) {
    Map<String, String> h = new LinkedHashMap<>();
    Engine.Status s = result.deciding();
    if (s == null || style == ServerConfig.HeaderStyle.NONE) {
      return h;
    }
    RuleLimit limit = s.limit();
    if (limit == null) {
      return h;
    }
    long reset = ceilSeconds(s.resetAfterMicros());
    if (style.xRateLimit()) {
      h.put("X-RateLimit-Limit", Long.toString(limit.requestsPerUnit()));
      h.put("X-RateLimit-Remaining", Long.toString(s.remaining()));
      h.put("X-RateLimit-Reset", Long.toString(reset));
    }
    if (style.ietf()) {
      List<String> policies = new ArrayList<>();
      for (Engine.Status each : result.statuses()) {
        RuleLimit l = each.limit();
        if (l != null) {
          String p = policy(each, l);
          if (!policies.contains(p)) {
            policies.add(p);
          }
        }
      }
      h.put("RateLimit-Policy", String.join(", ", policies));
      h.put("RateLimit", "\"" + name(s, limit) + "\";r=" + s.remaining() + ";t=" + reset);
    }
    if (s.overLimit() && s.retryAfterMicros() != Long.MAX_VALUE) {
      h.put("Retry-After", Long.toString(Math.max(1, ceilSeconds(s.retryAfterMicros()))));
    }
    return h;
  }

  private static String policy(Engine.Status s, RuleLimit l) {
    long window = l.unit().micros() / 1_000_000 * l.unitMultiplier();
    return "\"" + name(s, l) + "\";q=" + l.requestsPerUnit() + ";w=" + window;
  }

  /** The limit's name in the rules, else envoy's metric key of the match. */
  private static String name(Engine.Status s, RuleLimit l) {
    String n = l.name().orElseGet(() -> s.match() == null ? "limit" : s.match().metricKey());
    return n.replace("\\", "\\\\").replace("\"", "\\\"");
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
}
