package dev.sluice.spi;

import dev.sluice.Decision;
import java.util.Objects;

/**
 * What one {@link KeyedLimits#acquireUpTo(String, long)} got: {@code taken} permits (between 0
 * and the most asked for), and the decision describing the key after taking them.
 *
 * <p>{@code decision} is allowed exactly when the key had room for at least one permit (or the
 * request was a zero-permit check on a key with room); it then reports the state after taking
 * {@code taken} (remaining, resetAfter). When the key had no room at all, {@code taken == 0} and
 * {@code decision} is the denial a one-permit request gets at that instant (retryAfter for one
 * permit); nothing was written.
 *
 * @param taken permits taken from every limit of the key, all-or-nothing; {@code >= 0}
 * @param decision the state of the key after taking them (see above)
 */
public record Grant(long taken, Decision decision) {

  public Grant {
    if (taken < 0) {
      throw new IllegalArgumentException("taken must be >= 0, was " + taken);
    }
    Objects.requireNonNull(decision, "decision must not be null");
  }
}
