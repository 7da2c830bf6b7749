package dev.sluice.enforcement;

import dev.sluice.Limit;
import dev.sluice.rules.Descriptor;
import java.util.Objects;

/**
 * One descriptor of a request and the permits it asks for, as envoy sends them: {@code hits} 0
 * checks without counting.
 */
public record Item(Descriptor descriptor, long hits) {

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
}
