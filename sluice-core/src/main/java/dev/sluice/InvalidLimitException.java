package dev.sluice;

import org.jspecify.annotations.Nullable;

/**
 * Text that is not a limit, from {@link Limit#parse(String)}: the message names the text, what is
 * wrong and what is accepted; {@link #problem()} and {@link #part()} say the same for callers that
 * word their own messages (the load client's {@code --rate}).
 */
public final class InvalidLimitException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** What is wrong with the text. */
  public enum Problem {
    /** Not {@code <count>/<unit>} or {@code <count> per [<n>] <unit>}, or several limits. */
    SYNTAX,
    /** The unit is none of Sluice's ({@link Limit.Unit}). */
    UNKNOWN_UNIT,
    /** The count is 0. */
    ZERO_COUNT,
    /** The number of units is 0. */
    ZERO_PERIOD,
    /** A number beyond what a {@link Limit} holds (count above 2^53, period above 100 years). */
    OUT_OF_RANGE
  }

  private final Problem problem;
  private final String part;

  InvalidLimitException(Problem problem, String part, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.problem = problem;
    this.part = part;
  }

  /** What is wrong. */
  public Problem problem() {
    return problem;
  }

  /** The part of the text that is wrong: the unit, the count, the number of units, or all. */
  public String part() {
    return part;
  }
}
