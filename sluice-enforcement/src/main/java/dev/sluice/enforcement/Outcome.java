package dev.sluice.enforcement;

import java.util.Locale;

/**
 * What happened to one descriptor, as counted in metrics ({@code sluice_decisions_total}'s {@code
 * outcome} tag is {@link #tag()}).
 */
public enum Outcome {
  /** Admitted, not near its limit. */
  OK,
  /** Denied by its limit. */
  OVER_LIMIT,
  /** Its limit would have denied it, but the rule is in shadow mode: admitted. */
  SHADOW_OVER_LIMIT,
  /** The rule is {@code unlimited}: admitted without counting. */
  UNLIMITED,
  /** No rule matched: admitted without counting. */
  NO_RULE,
  /**
   * Admitted, near its limit: with less than a tenth of the limit left ({@link Status#outcome()}),
   * or past a near-limit ratio of it ({@link Status#outcome(double)}).
   */
  NEAR_LIMIT;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** The lower-case name: {@code over_limit}. */
  public String tag() {
    return tag;
  }
}
