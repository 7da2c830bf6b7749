package dev.sluice;

import dev.sluice.InvalidLimitException.Field;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One rate limit: at most {@code count} permits per {@code period}, counted by an {@link
 * Algorithm}, with an optional burst (bucket size) for {@link Algorithm#TOKEN_BUCKET} and {@link
 * Algorithm#GCRA}.
 *
 * <p>Immutable, and built once: {@link #builder(long, Duration)} (or {@link #builder(String)})
 * takes every field and validates them together in {@link Builder#build()}, so a limit is never
 * checked against an algorithm it does not use and an invalid limit can never exist. Text forms
 * accepted by {@link #parse(String)} and {@link #builder(String)}:
 *
 * <pre>
 *   100/minute        100 per minute       5 per 10 seconds       5/10s       10/second;1000/day
 * </pre>
 *
 * Units (case-insensitive, singular or plural): second (s, sec), minute (m, min), hour (h, hr),
 * day (d), week (w), month (30 days, as envoy ratelimit), year (365 days). This is Sluice's one
 * rate grammar: limits in settings and annotations, and the load client's {@code --rate}.
 *
 * <pre>
 *   Limit api = Limit.builder("10/second").burst(20).algorithm(Algorithm.GCRA).name("api").build();
 * </pre>
 *
 * <p><b>Calendar periods.</b> A day, week, month or year that follows the calendar of a time zone
 * ({@link CalendarPeriod}) instead of a fixed length: a {@link Algorithm#FIXED_WINDOW} (the only
 * algorithm that applies, and the default for such a limit) whose windows run from local midnight
 * to local midnight, optionally from an anchor (a billing day). In text, the zone follows an
 * {@code @}, and the anchor the word {@code anchor}:
 *
 * <pre>
 *   1000/day@America/New_York      50000/month@Europe/Paris anchor 15      10/week@UTC anchor sunday
 *   Limit.builder(1000, CalendarPeriod.month().zone("Europe/Paris").anchorDay(15)).build()
 * </pre>
 */
public final class Limit {

  /** Largest period accepted: 100 years of 365 days. */
  public static final Duration MAX_PERIOD = Duration.ofDays(36_500);

  /**
   * Largest integer every algorithm value stays within (2^53), so Java {@code long}s and Redis Lua
   * doubles give the same answers. Bounds the count, and for buckets {@code burst × count /
   * gcd(count, period)}.
   */
  public static final long MAX_EXACT = 1L << 53;

  /** Largest time to refill a burst (2^52 µs), so absolute bucket times stay below 2^53 µs. */
  private static final long MAX_REFILL_MICROS = 1L << 52;

  /**
   * Largest count for {@link Algorithm#SLIDING_WINDOW_LOG}, which remembers every admitted request
   * of the window (16 bytes each); {@link Algorithm#SLIDING_WINDOW_COUNTER} has no such bound.
   */
  public static final long MAX_SLIDING_LOG_COUNT = 1_000_000;

  private static final long MAX_PERIOD_MICROS = MAX_PERIOD.toSeconds() * 1_000_000L;

  private final long count;
  private final long periodMicros;
  private final long burst;
  private final Algorithm algorithm;
  private final @Nullable String name;
  private final @Nullable CalendarPeriod calendar;

  /** Only {@link Builder#build()} constructs, after {@link #check} accepted every field. */
  private Limit(long count, long periodMicros, long burst, Algorithm algorithm,
      @Nullable String name, @Nullable CalendarPeriod calendar) {
    this.count = count;
    this.periodMicros = periodMicros;
    this.burst = burst;
    this.algorithm = algorithm;
    this.name = name;
    this.calendar = calendar;
  }

  /**
   * Every bound of a limit, checked once over all its fields, in a fixed order (the first problem
   * found is the one reported).
   */
  private static void check(long count, long periodMicros, long burst, Algorithm algorithm,
      @Nullable String name, @Nullable CalendarPeriod calendar, @Nullable String text) {
    if (count <= 0) {
      throw invalid(Field.COUNT, "count must be positive, was " + count, text);
    }
    if (periodMicros <= 0) {
      throw invalid(Field.PERIOD,
          "period must be positive, was " + Durations.ofMicros(periodMicros), text);
    }
    if (periodMicros > MAX_PERIOD_MICROS) {
      throw invalid(Field.PERIOD, "period must be at most " + MAX_PERIOD + " (100 years), was "
          + Durations.ofMicros(periodMicros), text);
    }
    if (calendar != null && algorithm != Algorithm.FIXED_WINDOW) {
      throw invalid(Field.ALGORITHM, "a calendar period (" + calendar + ") applies only to"
          + " FIXED_WINDOW, which counts in its windows; " + algorithm + " needs a period of fixed"
          + " length", text);
    }
    if (burst <= 0) {
      throw invalid(Field.BURST, "burst must be positive, was " + burst, text);
    }
    if (burst != count && !algorithm.hasBurst()) {
      throw invalid(Field.BURST,
          "burst applies only to TOKEN_BUCKET and GCRA; " + algorithm + " admits count per period,"
              + " so burst must equal count (" + count + "), was " + burst, text);
    }
    if (algorithm == Algorithm.SLIDING_WINDOW_LOG && count > MAX_SLIDING_LOG_COUNT) {
      throw invalid(Field.ALGORITHM,
          "SLIDING_WINDOW_LOG keeps every admitted request, so count must be at most "
              + MAX_SLIDING_LOG_COUNT + ", was " + count + "; use SLIDING_WINDOW_COUNTER for"
              + " larger counts", text);
    }
    if (count > MAX_EXACT) {
      throw invalid(Field.COUNT,
          "count must be at most 2^53 (" + MAX_EXACT + "), was " + count, text);
    }
    if (algorithm.hasBurst()) {
      // Buckets measure time in fractions 1/c of a microsecond, c = count / gcd(period, count):
      // burst × c bounds every product, and the refill time bounds absolute times.
      BigInteger c = BigInteger.valueOf(count)
          .divide(BigInteger.valueOf(periodMicros).gcd(BigInteger.valueOf(count)));
      if (c.multiply(BigInteger.valueOf(burst)).compareTo(BigInteger.valueOf(MAX_EXACT)) > 0) {
        throw invalid(Field.BURST,
            "burst × count / gcd(count, period in µs) must be at most 2^53 (" + MAX_EXACT
                + ") for exact arithmetic, was " + burst + " × " + c + " (count " + count
                + " per " + periodMicros + " µs); use a count that divides the period more"
                + " evenly, or a smaller burst", text);
      }
      if (BigInteger.valueOf(burst).multiply(BigInteger.valueOf(periodMicros))
              .divide(BigInteger.valueOf(count))
              .compareTo(BigInteger.valueOf(MAX_REFILL_MICROS)) >= 0) {
        throw invalid(Field.BURST,
            "burst × period / count (the time to refill the burst) must be below 2^52 µs"
                + " (about 142 years), was " + burst + " × " + Durations.ofMicros(periodMicros)
                + " / " + count, text);
      }
    }
    if (name != null && name.isBlank()) {
      throw invalid(Field.NAME, "name must not be blank, was \"" + name + "\"", text);
    }
  }

  private static InvalidLimitException invalid(Field field, String problem, @Nullable String text) {
    return new InvalidLimitException(field, problem, text, null);
  }

  /**
   * A builder of {@code count} permits per {@code period}; unless set otherwise, a {@link
   * Algorithm#TOKEN_BUCKET} whose burst is {@code count}, without a name. Nothing is checked until
   * {@link Builder#build()}.
   */
  public static Builder builder(long count, Duration period) {
    Objects.requireNonNull(period, "period must not be null");
    return new Builder(count, period, 0, null);
  }

  /** As {@link #builder(long, Duration)}, with the period in microseconds. */
  public static Builder builderOfMicros(long count, long periodMicros) {
    return new Builder(count, null, periodMicros, null);
  }

  /**
   * A builder of {@code count} permits per window of {@code period}, a day, week, month or year
   * of a time zone's calendar; unless set otherwise a {@link Algorithm#FIXED_WINDOW} (the only
   * algorithm a calendar period accepts), without a name. Its {@link #period()} is the unit's
   * nominal length.
   */
  public static Builder builder(long count, CalendarPeriod period) {
    Objects.requireNonNull(period, "calendar period must not be null");
    return new Builder(count, null, period.unit().nominal().micros(), null).calendar(period);
  }

  /** A builder holding every field of this limit, to build a limit that differs in some. */
  public Builder toBuilder() {
    Builder b = builderOfMicros(count, periodMicros).algorithm(algorithm).name(name)
        .calendar(calendar);
    return burst == count ? b : b.burst(burst);
  }

  /**
   * {@code count} permits per {@code period}, as a {@link Algorithm#TOKEN_BUCKET} whose burst is
   * {@code count}.
   *
   * @throws IllegalArgumentException if count or period is not positive, or period has a
   *     sub-microsecond part or exceeds {@link #MAX_PERIOD}
   */
  public static Limit of(long count, Duration period) {
    return builder(count, period).build();
  }

  /**
   * {@code count} permits per {@code period} counted by {@code algorithm}: the way to build a limit
   * whose count is only valid for that algorithm (e.g. a fixed window of 2^40).
   */
  public static Limit of(long count, Duration period, Algorithm algorithm) {
    return builder(count, period).algorithm(algorithm).build();
  }

  /** {@code count} permits per {@code periodMicros} microseconds. */
  public static Limit ofMicros(long count, long periodMicros) {
    return builderOfMicros(count, periodMicros).build();
  }

  /**
   * Every field at once, validated once: the same as {@code builderOfMicros(count,
   * periodMicros).burst(burst).algorithm(algorithm).build()}.
   */
  public static Limit ofMicros(long count, long periodMicros, long burst, Algorithm algorithm) {
    return builderOfMicros(count, periodMicros).burst(burst).algorithm(algorithm).build();
  }

  /** {@code count} permits per second. */
  public static Limit perSecond(long count) {
    return ofMicros(count, Unit.SECOND.micros);
  }

  /** {@code count} permits per minute. */
  public static Limit perMinute(long count) {
    return ofMicros(count, Unit.MINUTE.micros);
  }

  /** {@code count} permits per hour. */
  public static Limit perHour(long count) {
    return ofMicros(count, Unit.HOUR.micros);
  }

  /** {@code count} permits per day. */
  public static Limit perDay(long count) {
    return ofMicros(count, Unit.DAY.micros);
  }

  /**
   * This limit under a name (shown in decisions, headers and metrics). The other fields are
   * already valid and do not depend on the name; only a blank name is refused.
   */
  public Limit named(String name) {
    Objects.requireNonNull(name, "name must not be null");
    return toBuilder().name(name).build();
  }

  /**
   * Collects the fields of one limit and validates them all at once in {@link #build()}: setting a
   * burst and then an algorithm (or the other way round) never checks a limit in between.
   * Obtained from {@link Limit#builder(long, Duration)}, {@link Limit#builderOfMicros(long, long)},
   * {@link Limit#builder(String)} or {@link Limit#toBuilder()}. Not thread-safe.
   */
  public static final class Builder {
    private final long count;
    private final @Nullable Duration period;
    private final long periodMicros;
    private final @Nullable String text;
    private @Nullable Long burst;
    private @Nullable Algorithm algorithm;
    private @Nullable String name;
    private @Nullable CalendarPeriod calendar;

    private Builder(long count, @Nullable Duration period, long periodMicros,
        @Nullable String text) {
      this.count = count;
      this.period = period;
      this.periodMicros = periodMicros;
      this.text = text;
    }

    /**
     * The bucket size for {@link Algorithm#TOKEN_BUCKET} and {@link Algorithm#GCRA}: a full bucket
     * admits {@code burst} permits at once, refilled at {@code count / period}. Defaults to count;
     * other algorithms accept only that.
     */
    public Builder burst(long burst) {
      this.burst = burst;
      return this;
    }

    /**
     * The algorithm; unless set, {@link Algorithm#TOKEN_BUCKET}, or {@link Algorithm#FIXED_WINDOW}
     * for a calendar period.
     */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "algorithm must not be null");
      return this;
    }

    /**
     * The name shown in decisions, headers and metrics; {@code null} (the default) for the
     * canonical rate text.
     */
    public Builder name(@Nullable String name) {
      this.name = name;
      return this;
    }

    /** The calendar period whose windows the limit counts in; null (the default) for none. */
    private Builder calendar(@Nullable CalendarPeriod calendar) {
      this.calendar = calendar;
      return this;
    }

    /**
     * The limit, after checking every field together.
     *
     * @throws InvalidLimitException naming the field out of bounds and the bound, prefixed with
     *     {@code invalid limit "<text>": } for a builder made from text
     */
    public Limit build() {
      long micros = periodMicros;
      if (period != null) {
        try {
          micros = Durations.toMicros(period, "period");
        } catch (IllegalArgumentException | ArithmeticException e) {
          throw new InvalidLimitException(Field.PERIOD, String.valueOf(e.getMessage()), text, e);
        }
      }
      long b = burst != null ? burst : count;
      Algorithm a = algorithm != null ? algorithm
          : calendar != null ? Algorithm.FIXED_WINDOW : Algorithm.TOKEN_BUCKET;
      check(count, micros, b, a, name, calendar, text);
      return new Limit(count, micros, b, a, name, calendar);
    }
  }

  /** Permits per period. */
  public long count() {
    return count;
  }

  /**
   * The period over which {@link #count()} permits are allowed; for a {@linkplain #calendar()
   * calendar period} its unit's nominal length (a month 30 days), while its windows follow the
   * calendar.
   */
  public Duration period() {
    return Durations.ofMicros(periodMicros);
  }

  /** The period in microseconds (nominal for a calendar period, as {@link #period()}). */
  public long periodMicros() {
    return periodMicros;
  }

  /**
   * The calendar period whose windows this limit counts in, if it was built with one ({@link
   * #builder(long, CalendarPeriod)}, or text such as {@code 1000/day@Europe/Paris}).
   */
  public Optional<CalendarPeriod> calendar() {
    return Optional.ofNullable(calendar);
  }

  /**
   * The most permits a full bucket admits at once; equals {@link #count()} unless set with {@link
   * Builder#burst(long)}.
   */
  public long burst() {
    return burst;
  }

  /** The most permits one request can ever be granted: burst for buckets, count for windows. */
  public long capacity() {
    return algorithm.hasBurst() ? burst : count;
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  /** The name given with {@link Builder#name(String)}, else the canonical rate: "100/minute". */
  public String name() {
    return name != null ? name : rateText();
  }

  /**
   * The rate alone in canonical text: "100/minute", "5/10seconds", "3/1500ms", and for a calendar
   * period "1000/month@Europe/Paris anchor 15".
   */
  public String rateText() {
    if (calendar != null) {
      return count + "/" + calendar.text();
    }
    for (Unit u : Unit.values()) {
      if (periodMicros == u.micros) {
        return count + "/" + u.canonical;
      }
    }
    for (Unit u : Unit.values()) {
      if (periodMicros % u.micros == 0 && u != Unit.WEEK && u != Unit.MONTH && u != Unit.YEAR) {
        return count + "/" + (periodMicros / u.micros) + u.canonical + "s";
      }
    }
    return count + "/" + periodMicros + "us";
  }

  /**
   * A builder of the rate written in {@code text} ({@code "100/minute"}, {@code "5 per 10
   * seconds"}, see {@link Limit}); the bounds are checked by {@link Builder#build()}, whose
   * messages then name the text.
   *
   * @throws LimitSyntaxException if the text does not follow the grammar, naming the text and
   *     what is accepted
   */
  public static Builder builder(String text) {
    Objects.requireNonNull(text, "limit text must not be null");
    Matcher m = ONE.matcher(text.trim());
    if (!m.matches()) {
      if (text.contains(";")) {
        throw new LimitSyntaxException(LimitSyntaxException.Problem.SYNTAX, text,
            "\"" + text + "\" holds several limits; use Limit.parseAll for lists separated by ';'");
      }
      throw syntax(LimitSyntaxException.Problem.SYNTAX, text, text, GRAMMAR, null);
    }
    long count;
    try {
      count = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw syntax(LimitSyntaxException.Problem.COUNT_TOO_LARGE, text, m.group(1),
          "count " + m.group(1) + " is too large", e);
    }
    long multiple = 1;
    if (m.group(2) != null) {
      try {
        multiple = Long.parseLong(m.group(2));
      } catch (NumberFormatException e) {
        multiple = Long.MAX_VALUE;
      }
      if (multiple == 0) {
        throw syntax(LimitSyntaxException.Problem.ZERO_PERIOD, text, m.group(2),
            "period must be positive, was 0 " + m.group(3), null);
      }
    }
    Unit unit = Unit.lookup(m.group(3));
    if (unit == null) {
      throw syntax(LimitSyntaxException.Problem.UNKNOWN_UNIT, text, m.group(3),
          "unknown unit \"" + m.group(3) + "\"; " + UNITS, null);
    }
    if (count == 0) {
      throw syntax(LimitSyntaxException.Problem.ZERO_COUNT, text, m.group(1),
          "count must be positive, was 0", null);
    }
    if (m.group(4) != null) {
      return new Builder(count, null, unit.micros, text)
          .calendar(calendar(text, m, multiple, unit));
    }
    long periodMicros;
    try {
      periodMicros = Math.multiplyExact(multiple, unit.micros);
    } catch (ArithmeticException e) {
      periodMicros = Long.MAX_VALUE;
    }
    return new Builder(count, null, periodMicros, text);
  }

  /** The calendar period written after the {@code @} of {@code text}. */
  private static CalendarPeriod calendar(String text, Matcher m, long multiple, Unit unit) {
    CalendarPeriod.Unit cu = CalendarPeriod.Unit.lookup(m.group(3));
    if (cu == null) {
      throw syntax(LimitSyntaxException.Problem.CALENDAR, text, m.group(3),
          "a calendar period is a day, week, month or year, was \"" + m.group(3) + "\"", null);
    }
    if (multiple != 1) {
      throw syntax(LimitSyntaxException.Problem.CALENDAR, text, m.group(2),
          "a calendar period is one " + cu.text() + ", was " + m.group(2) + " " + m.group(3),
          null);
    }
    CalendarPeriod period;
    try {
      period = CalendarPeriod.of(cu).zone(m.group(4));
    } catch (IllegalArgumentException e) {
      throw syntax(LimitSyntaxException.Problem.CALENDAR, text, m.group(4),
          String.valueOf(e.getMessage()), e);
    }
    if (m.group(5) == null) {
      return period;
    }
    try {
      return period.anchor(m.group(5));
    } catch (IllegalArgumentException e) {
      throw syntax(LimitSyntaxException.Problem.CALENDAR, text, m.group(5),
          String.valueOf(e.getMessage()), e);
    }
  }

  private static LimitSyntaxException syntax(LimitSyntaxException.Problem problem, String text,
      String part, String why, @Nullable Throwable cause) {
    LimitSyntaxException e = new LimitSyntaxException(problem, part,
        "invalid limit \"" + text + "\": " + why);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /**
   * Parses one limit, e.g. {@code "100/minute"} or {@code "5 per 10 seconds"}.
   *
   * @throws IllegalArgumentException naming the text and what is accepted
   */
  public static Limit parse(String text) {
    return builder(text).build();
  }

  /**
   * Parses one limit counted by {@code algorithm}, validated once for that algorithm: {@code
   * parse("999999937/second", FIXED_WINDOW)} is a valid window although as a token bucket the same
   * rate would be out of exact range.
   *
   * @throws IllegalArgumentException naming the text and what is accepted ({@link
   *     InvalidLimitException} when a bound is exceeded)
   */
  public static Limit parse(String text, Algorithm algorithm) {
    return builder(text).algorithm(algorithm).build();
  }

  /**
   * Parses a list of limits separated by {@code ;}, e.g. {@code "10/second;1000/day"}, each with
   * its default algorithm ({@link Algorithm#TOKEN_BUCKET}, or {@link Algorithm#FIXED_WINDOW} for a
   * calendar period).
   *
   * @throws IllegalArgumentException naming the entry that is wrong
   */
  public static List<Limit> parseAll(String text) {
    return parseList(text, null);
  }

  /**
   * Parses a list of limits separated by {@code ;}, each counted by {@code algorithm} and validated
   * once for it.
   *
   * @throws IllegalArgumentException naming the entry that is wrong ({@link InvalidLimitException}
   *     when a bound is exceeded)
   */
  public static List<Limit> parseAll(String text, Algorithm algorithm) {
    Objects.requireNonNull(algorithm, "algorithm must not be null");
    return parseList(text, algorithm);
  }

  private static List<Limit> parseList(String text, @Nullable Algorithm algorithm) {
    Objects.requireNonNull(text, "limits text must not be null");
    List<Limit> limits = new ArrayList<>();
    for (String part : text.split(";", -1)) {
      if (part.isBlank()) {
        throw new IllegalArgumentException(
            "invalid limits \"" + text + "\": empty entry; expected entries like \"100/minute\""
                + " separated by ';'");
      }
      limits.add(algorithm == null ? parse(part) : parse(part, algorithm));
    }
    return List.copyOf(limits);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Limit other
        && count == other.count
        && periodMicros == other.periodMicros
        && burst == other.burst
        && algorithm == other.algorithm
        && Objects.equals(name, other.name)
        && Objects.equals(calendar, other.calendar);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, periodMicros, burst, algorithm, name, calendar);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Limit[").append(rateText());
    if (burst != count) {
      s.append(", burst=").append(burst);
    }
    s.append(", ").append(algorithm);
    if (name != null) {
      s.append(", name=").append(name);
    }
    return s.append(']').toString();
  }

  private static final String UNITS =
      "units: second (s, sec), minute (min), hour (h, hr), day (d), week (w), month, year (y)";
  private static final String GRAMMAR =
      "expected <count>/<unit> or <count> per [<n>] <unit>, e.g. \"100/minute\" or"
          + " \"5 per 10 seconds\"; " + UNITS;
  /** Count, number of units, unit; for a calendar period the zone after @ and the anchor. */
  private static final Pattern ONE =
      Pattern.compile("(\\d+)\\s*(?:/|\\s+per\\s+)\\s*(?:(\\d+)\\s*)?([A-Za-z]+)"
          + "(?:\\s*@\\s*(\\S+)(?:\\s+anchor\\s+(\\S+))?)?",
          Pattern.CASE_INSENSITIVE);

  /** Period units, with envoy ratelimit's lengths for month (30 days) and year (365 days). */
  public enum Unit {
    SECOND(1_000_000L, "second", "s", "sec", "secs", "seconds"),
    MINUTE(60_000_000L, "minute", "m", "min", "mins", "minutes"),
    HOUR(3_600_000_000L, "hour", "h", "hr", "hrs", "hours"),
    DAY(86_400_000_000L, "day", "d", "days"),
    WEEK(7 * 86_400_000_000L, "week", "w", "weeks"),
    MONTH(30 * 86_400_000_000L, "month", "months"),
    YEAR(365 * 86_400_000_000L, "year", "y", "years");

    private final long micros;
    private final String canonical;
    private final String[] aliases;

    Unit(long micros, String canonical, String... aliases) {
      this.micros = micros;
      this.canonical = canonical;
      this.aliases = aliases;
    }

    /** The unit's length. */
    public Duration duration() {
      return Durations.ofMicros(micros);
    }

    /** The unit's length in microseconds. */
    public long micros() {
      return micros;
    }

    /** Finds a unit by name or alias, ignoring case; null when there is none. */
    public static @Nullable Unit lookup(String text) {
      String t = text.toLowerCase(Locale.ROOT);
      for (Unit u : values()) {
        if (u.canonical.equals(t)) {
          return u;
        }
        for (String a : u.aliases) {
          if (a.equals(t)) {
            return u;
          }
        }
      }
      return null;
    }
  }
}
