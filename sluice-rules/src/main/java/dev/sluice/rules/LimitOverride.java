package dev.sluice.rules;

import dev.sluice.Limit;
import java.util.Locale;
import java.util.Objects;

/**
 * A limit given by the request itself for one descriptor (envoy's {@code RateLimitDescriptor.limit},
 * a {@code RateLimitOverride}): {@code requestsPerUnit} per one {@code unit}, a fixed window. It
 * replaces whatever rule the descriptor matches, and applies even when none does (in a known
 * domain); see {@link RuleSet#matchAll(String, java.util.List, java.util.List)}.
 *
 * @param requestsPerUnit 0 denies every request, as in envoy
 * @param unit the unit of time
 */
public record LimitOverride(long requestsPerUnit, Limit.Unit unit) {

  /** @throws IllegalArgumentException when {@code requestsPerUnit} is negative */
  public LimitOverride {
    Objects.requireNonNull(unit, "unit must not be null");
    if (requestsPerUnit < 0) {
      throw new IllegalArgumentException("requests_per_unit must not be negative, was "
          + requestsPerUnit);
    }
  }

  /** For example {@code 10/second}. */
  public String describe() {
    return requestsPerUnit + "/" + unit.name().toLowerCase(Locale.ROOT);
  }
}
