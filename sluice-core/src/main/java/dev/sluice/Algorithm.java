package dev.sluice;

/**
 * How a {@link Limit} counts. All five are exact: see {@code docs/algorithms.md} for the formulas,
 * the rounding and a worked example of each.
 */
public enum Algorithm {
  /**
   * A bucket of {@code burst} tokens refilled continuously at {@code count / period}; a request
   * takes {@code permits} tokens. Allows bursts up to the bucket size, then the steady rate.
   */
  TOKEN_BUCKET,
  /**
   * The generic cell rate algorithm (a leaky bucket as a meter, as in redis-cell): the same
   * admissions as {@link #TOKEN_BUCKET} from one stored timestamp, the theoretical arrival time.
   */
  GCRA,
  /**
   * At most {@code count} permits per window; windows are aligned to the Unix epoch
   * ({@code floor(now / period) * period}), as in envoy ratelimit, or follow the calendar of a
   * time zone for a limit with a {@link CalendarPeriod} (the only algorithm that takes one).
   */
  FIXED_WINDOW,
  /**
   * At most {@code count} permits in every interval {@code (now - period, now]}; remembers each
   * admitted request, so memory grows with the count.
   */
  SLIDING_WINDOW_LOG,
  /**
   * Approximates the sliding window from two fixed-window counters: the previous window's count,
   * weighted by how much of it still overlaps the sliding window (rounded up), plus the current one.
   */
  SLIDING_WINDOW_COUNTER;

  /** Whether {@link Limit#burst()} means something for this algorithm. */
  public boolean hasBurst() {
    return this == TOKEN_BUCKET || this == GCRA;
  }
}
