package dev.sluice.enforcement;

import dev.sluice.Limit;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.LimitOverride;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One descriptor of a request and the permits it asks for, as envoy sends them: {@code hits} 0
 * checks without counting. {@code override}, when not null, is the limit the request gives for
 * this descriptor (envoy's {@code RateLimitDescriptor.limit}): it replaces the rule's limits, see
 * {@link dev.sluice.rules.RuleSet#matchAll(String, java.util.List, java.util.List)}.
 */
public record Item(Descriptor descriptor, long hits, @Nullable LimitOverride override) {

  /**
   * @throws IllegalArgumentException when {@code hits} is negative or above {@link
   *     Limit#MAX_EXACT}
   */
  public Item {
    Objects.requireNonNull(descriptor, "descriptor must not be null");
    if (hits < 0 || hits > Limit.MAX_EXACT) {
      throw new IllegalArgumentException("hits must be in 0.." + Limit.MAX_EXACT + ", was " + hits);
    }
  }

  /** An item without an override: the descriptor's rule decides. */
  public Item(Descriptor descriptor, long hits) {
    this(descriptor, hits, null);
  }

  /** The request's own limit for this descriptor, if it gave one. */
  public Optional<LimitOverride> limitOverride() {
    return Optional.ofNullable(override);
  }
}
