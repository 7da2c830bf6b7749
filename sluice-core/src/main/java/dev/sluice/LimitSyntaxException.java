package dev.sluice;

/**
 * Text that does not follow the rate grammar of {@link Limit#parse(String)} and {@link
 * Limit#builder(String)} (a limit that follows it but is out of bounds is an {@link
 * InvalidLimitException} instead). The message names the text, what is wrong and what is
 * accepted; {@link #problem()} and {@link #part()} say the same for callers that word their own
 * messages (the load client's {@code --rate}).
 */
public final class LimitSyntaxException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** What is wrong with the text. */
  public enum Problem {
    /** Not {@code <count>/<unit>} or {@code <count> per [<n>] <unit>}, or several limits. */
    SYNTAX,
    /** The unit is none of {@link Limit.Unit}'s names. */
    UNKNOWN_UNIT,
    /** The count is 0. */
    ZERO_COUNT,
    /** The count has more digits than a {@code long} holds. */
    COUNT_TOO_LARGE,
    /** The number of units is 0. */
    ZERO_PERIOD,
    /**
     * The calendar period after {@code @}: not a day, week, month or year, several units, an
     * unknown time zone, or an anchor the unit does not accept.
     */
    CALENDAR
  }

  private final Problem problem;
  private final String part;

  LimitSyntaxException(Problem problem, String part, String message) {
    super(message);
    this.problem = problem;
    this.part = part;
  }

  /** What is wrong. */
  public Problem problem() {
    return problem;
  }

  /**
   * The part of the text that is wrong: the unit, the count, the number of units, the zone, the
   * anchor, or all.
   */
  public String part() {
    return part;
  }
}
