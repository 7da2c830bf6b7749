package dev.sluice.enforcement;

import dev.sluice.Limit;
import dev.sluice.rules.RuleLimit;
import dev.sluice.rules.RuleMatch;
import java.util.Objects;

/**
 * A limit as a client is told of it (rate limit headers, a 429 body, envoy's {@code
 * current_limit}): a name, a count of permits and the period they are counted over.
 *
 * @param name the limit's name: its {@code name} in the rules, else envoy's metric key of the rule
 *     it belongs to ({@code domain.key_value}), else {@link Limit#name()} for limits outside rules
 * @param count permits per period; 0 for a rule that denies every request
 * @param periodMicros the period in microseconds
 */
public record Quota(String name, long count, long periodMicros) {

  public Quota {
    Objects.requireNonNull(name, "name must not be null");
  }

  /** A core limit: its name (or rate text), count and period. */
  public static Quota of(Limit limit) {
    return new Quota(limit.name(), limit.count(), limit.periodMicros());
  }

  /** A rule's limit: its name, else the metric key of {@code match}; requests per unit(s). */
  public static Quota of(RuleLimit limit, RuleMatch match) {
    return new Quota(limit.name().orElseGet(match::metricKey), limit.requestsPerUnit(),
        limit.unit().micros() * limit.unitMultiplier());
  }
}
