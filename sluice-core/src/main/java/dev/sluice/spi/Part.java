package dev.sluice.spi;

import java.util.Objects;

/**
 * One part of an all-or-nothing acquisition ({@link Backend#acquireAllAsync}): {@code permits}
 * for {@code key} under the limits of {@code limits}.
 *
 * @param limits the evaluator of the part's limits, opened by the backend that acquires
 * @param key the key, non-empty
 * @param permits the permits to take, {@code >= 0} (0: the part is only reported)
 */
public record Part(KeyedLimits limits, String key, long permits) {

  public Part {
    Objects.requireNonNull(limits, "limits must not be null");
    Objects.requireNonNull(key, "key must not be null");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (permits < 0) {
      throw new IllegalArgumentException("permits must be >= 0, was " + permits);
    }
  }
}
