package dev.sluice.enforcement.settings;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How a front end spells the basic kinds of values (booleans, durations) and words a bad one. The
 * declarations are the same everywhere; only the spelling differs:
 *
 * <ul>
 *   <li>{@link #SERVICE}: {@code sluice serve} (command line, environment, {@code sluice.yaml}).
 *       Booleans {@code true}/{@code t}/{@code 1}/{@code yes} and {@code false}/{@code f}/{@code
 *       0}/{@code no}; durations {@code 500ms}, {@code 2s}. A problem reads {@code expected …},
 *       after a frame that already quotes the value: {@code invalid http-port '80x' (from
 *       --http-port): expected an integer in 0..65535}.
 *   <li>{@link #FILTER}: the servlet filter's init-params, Java properties and Spring Boot's
 *       {@code sluice.*} properties. Booleans {@code true}/{@code false}; durations {@code 50ms},
 *       {@code 2s}, {@code 1m} or ISO-8601 ({@code PT0.5S}). The frame is the setting's full name
 *       and the problem quotes the value: {@code sluice.headers-on-allowed: 'yes' is not true or
 *       false}.
 * </ul>
 */
public enum Dialect {
  SERVICE,
  FILTER;

  /** Reads a boolean. */
  boolean bool(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (this == SERVICE) {
      switch (t) {
        case "true", "t", "1", "yes" -> {
          return true;
        }
        case "false", "f", "0", "no" -> {
          return false;
        }
        default -> throw new IllegalArgumentException("expected true or false");
      }
    }
    return switch (t) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
    };
  }

  /** Reads a duration (without checking its range). */
  Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (this == SERVICE) {
        if (t.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
          return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        throw new IllegalArgumentException();
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
      }
      if (t.endsWith("s") && !t.startsWith("p")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()));
      }
      if (t.endsWith("m") && !t.startsWith("p")) {
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
      }
      return Duration.parse(text.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(this == SERVICE
          ? "expected a duration such as 500ms or 2s"
          : "'" + text + "' is not a duration; use e.g. 50ms, 2s or PT0.5S");
    }
  }

  /** A duration outside {@code min..max}. */
  IllegalArgumentException durationOutOfRange(String text, Duration value, Duration min,
      Duration max) {
    if (this == SERVICE) {
      return new IllegalArgumentException("expected a duration between "
          + ValueTypes.durationText(min) + " and " + ValueTypes.durationText(max));
    }
    if (value.isNegative() || value.isZero()) {
      return new IllegalArgumentException("'" + text + "' must be positive");
    }
    return new IllegalArgumentException("'" + text + "' must be between "
        + ValueTypes.durationText(min) + " and " + ValueTypes.durationText(max));
  }

  /** Not an integer, or one outside {@code min..max}. */
  IllegalArgumentException notAnInteger(String text, long min, long max) {
    return new IllegalArgumentException(this == SERVICE
        ? "expected an integer in " + min + ".." + max
        : "'" + text + "' is not an integer in " + min + ".." + max);
  }

  /** None of the allowed values (listed once, from the declaration). */
  IllegalArgumentException unknownChoice(String text, String noun, List<String> allowed) {
    return new IllegalArgumentException(this == SERVICE
        ? "expected " + alternatives(allowed)
        : "unknown " + noun + " '" + text + "'; use " + alternatives(allowed));
  }

  /**
   * The message of a bad value of {@code setting}, read as {@code text} from {@code origin}: the
   * frame around the {@code problem}.
   */
  String frame(String setting, String origin, String text, String problem) {
    return this == SERVICE
        ? "invalid " + setting + " '" + text + "' (from " + origin + "): " + problem
        : origin + ": " + problem;
  }

  /** The problem a parser's exception states. */
  String problem(RuntimeException e) {
    if (this == FILTER) {
      return String.valueOf(e.getMessage());
    }
    return e instanceof IllegalArgumentException && e.getMessage() != null
        ? e.getMessage() : "invalid value";
  }

  /** {@code a}, {@code a or b}, {@code a, b or c}. */
  static String alternatives(List<String> values) {
    if (values.size() <= 1) {
      return String.join("", values);
    }
    return String.join(", ", values.subList(0, values.size() - 1)) + " or "
        + values.get(values.size() - 1);
  }
}
