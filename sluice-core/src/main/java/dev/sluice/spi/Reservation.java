package dev.sluice.spi;

import dev.sluice.Decision;
import java.util.Objects;

/**
 * What one {@link KeyedLimits#reserve(String, long, long)} got: when {@code decision} is allowed,
 * the permits are already taken and the caller may act after {@code waitMicros}; when it is
 * denied, nothing was taken and {@code waitMicros} is 0.
 *
 * @param decision allowed when the permits were reserved; denied (with the usual {@code
 *     retryAfter}) when the wait would have exceeded the most the caller accepts
 * @param waitMicros microseconds from the decision until the reserved permits are due; 0 when they
 *     were available at once or when denied
 */
public record Reservation(Decision decision, long waitMicros) {

  public Reservation {
    Objects.requireNonNull(decision, "decision must not be null");
    if (waitMicros < 0) {
      throw new IllegalArgumentException("waitMicros must be >= 0, was " + waitMicros);
    }
    if (!decision.allowed() && waitMicros != 0) {
      throw new IllegalArgumentException("a denied reservation waits for nothing");
    }
  }

  /** A reservation of permits that were available at once (or a denial): no wait. */
  public static Reservation immediate(Decision decision) {
    return new Reservation(decision, 0);
  }
}
