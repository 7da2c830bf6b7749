package dev.sluice;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Limit} that cannot be built: which of its fields is out of bounds, and why.
 *
 * <p>{@link #getMessage()} is the whole message (prefixed with the limit's text when it was parsed
 * from one, e.g. {@code invalid limit "0/second": ...}); {@link #reason()} is the bound alone. A
 * caller that maps configuration onto limits uses {@link #field()} to point at the part of its
 * input the problem belongs to.
 */
public final class InvalidLimitException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** The field of a limit a problem belongs to. */
  public enum Field {
    /** Permits per period, including its bound of 2^53. */
    COUNT,
    /** The period: positive, whole microseconds, at most {@link Limit#MAX_PERIOD}. */
    PERIOD,
    /** The burst: positive, only for buckets, and the buckets' exact-arithmetic bounds. */
    BURST,
    /** A bound the chosen algorithm alone sets (the sliding window log's count). */
    ALGORITHM,
    /** The name: not blank. */
    NAME
  }

  private final Field field;
  private final String reason;

  InvalidLimitException(
      Field field, String reason, @Nullable String text, @Nullable Throwable cause) {
    super(text == null ? reason : "invalid limit \"" + text + "\": " + reason, cause);
    this.field = Objects.requireNonNull(field, "field");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The field the problem belongs to. */
  public Field field() {
    return field;
  }

  /** The bound alone, without the limit's text: e.g. {@code burst must be positive, was 0}. */
  public String reason() {
    return reason;
  }
}
