package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which HTTP response statuses count against a limit: a comma-separated list of statuses ({@code
 * 401}), inclusive ranges ({@code 400-499}) and classes ({@code 5xx}), e.g. {@code 401,403} or
 * {@code 429,5xx}. Statuses are 100 to 599. Immutable.
 */
public final class StatusCondition {

  private final List<int[]> ranges;
  private final String text;

  private StatusCondition(List<int[]> ranges, String text) {
    this.ranges = List.copyOf(ranges);
    this.text = text;
  }

  /**
   * Parses a condition.
   *
   * @throws IllegalArgumentException naming the entry that is not a status (100-599), a range
   *     ({@code 400-499}) or a class ({@code 4xx})
   */
  public static StatusCondition parse(String text) {
    List<int[]> ranges = new ArrayList<>();
    List<String> entries = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        if (text.isBlank()) {
          break;
        }
        throw new IllegalArgumentException("empty entry in '" + text.trim()
            + "'; use statuses (401), ranges (400-499) or classes (5xx), comma-separated");
      }
      ranges.add(entry(p));
      entries.add(p);
    }
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException("no status given; use statuses (401), ranges (400-499)"
          + " or classes (5xx), comma-separated");
    }
    return new StatusCondition(ranges, String.join(",", entries));
  }

  private static int[] entry(String p) {
    if (p.length() == 3 && p.endsWith("xx") && p.charAt(0) >= '1' && p.charAt(0) <= '5') {
      int c = (p.charAt(0) - '0') * 100;
      return new int[] {c, c + 99};
    }
    int dash = p.indexOf('-');
    if (dash > 0) {
      int from = status(p.substring(0, dash).trim(), p);
      int to = status(p.substring(dash + 1).trim(), p);
      if (from > to) {
        throw new IllegalArgumentException("'" + p + "': the range is empty (" + from + " > "
            + to + ")");
      }
      return new int[] {from, to};
    }
    int s = status(p, p);
    return new int[] {s, s};
  }

  private static int status(String t, String entry) {
    if (t.length() != 3 || !t.chars().allMatch(Character::isDigit)
        || Integer.parseInt(t) < 100 || Integer.parseInt(t) > 599) {
      throw new IllegalArgumentException("'" + entry + "' is not a status (100-599), a range"
          + " (400-499) or a class (4xx)");
    }
    return Integer.parseInt(t);
  }

  /** Whether {@code status} is one this condition names. */
  public boolean matches(int status) {
    for (int[] r : ranges) {
      if (status >= r[0] && status <= r[1]) {
        return true;
      }
    }
    return false;
  }

  /** The condition as text, normalised ({@code 401,5xx}). */
  @Override
  public String toString() {
    return text;
  }
}
