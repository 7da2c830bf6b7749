package dev.sluice.server;

import dev.sluice.rules.HeaderStyle;
import dev.sluice.rules.RateLimitHeaders.Policy;
import dev.sluice.rules.RuleLimit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rate limit headers of a result, rendered by the shared {@link
 * dev.sluice.rules.RateLimitHeaders}: values describe the {@linkplain Engine.Result#deciding()
 * deciding} descriptor, {@code RateLimit-Policy} lists every limited descriptor's rule.
 */
final class RateLimitHeaders {

  private RateLimitHeaders() {}

  /** Header name to value, in a stable order; empty when nothing was limited or style is none. */
  static Map<String, String> of(Engine.Result result, HeaderStyle style) {
    Engine.Status s = result.deciding();
    RuleLimit limit = s == null ? null : s.limit();
    if (s == null || limit == null) {
      return new LinkedHashMap<>();
    }
    List<Policy> policies = new ArrayList<>();
    for (Engine.Status each : result.statuses()) {
      if (each.limit() != null) {
        policies.add(policy(each, each.limit()));
      }
    }
    return dev.sluice.rules.RateLimitHeaders.of(style, policy(s, limit), s.remaining(),
        s.resetAfterMicros(), s.overLimit(), s.retryAfterMicros(), policies);
  }

  static long ceilSeconds(long micros) {
    return dev.sluice.rules.RateLimitHeaders.ceilSeconds(micros);
  }

  private static Policy policy(Engine.Status s, RuleLimit l) {
    long window = l.unit().micros() / 1_000_000 * l.unitMultiplier();
    return new Policy(name(s, l), l.requestsPerUnit(), window);
  }

  /** The limit's name in the rules, else envoy's metric key of the match. */
  private static String name(Engine.Status s, RuleLimit l) {
    return l.name().orElseGet(() -> s.match() == null ? "limit" : s.match().metricKey());
  }
}
