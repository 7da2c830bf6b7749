package dev.sluice;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.MonthDay;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A period that follows the calendar of a time zone: one day, week, month or year, each window
 * running from a local midnight to the next window's local midnight. A {@link Limit} built with
 * one ({@link Limit#builder(long, CalendarPeriod)}) counts in these windows instead of
 * fixed-length ones aligned to the epoch.
 *
 * <pre>{@code
 * CalendarPeriod.day().zone("America/New_York")            // midnight to midnight, New York time
 * CalendarPeriod.week().zone("UTC").anchor(DayOfWeek.SUNDAY) // weeks start on Sunday
 * CalendarPeriod.month().zone("Europe/Paris").anchorDay(15)   // the 15th to the 15th
 * CalendarPeriod.year().zone("Asia/Tokyo").anchor(MonthDay.of(4, 1)) // fiscal years from April 1
 * }</pre>
 *
 * <p><b>Windows.</b> Every window starts at local midnight of its start date, in the zone:
 *
 * <ul>
 *   <li>a day starts on every date; a day is 23 or 25 hours long across a daylight saving change;
 *   <li>a week starts on its anchor day of the week (Monday unless set);
 *   <li>a month starts on its anchor day of the month (the 1st unless set); an anchor past the end
 *       of a shorter month means that month's last day: anchor 31 starts windows on Jan 31, Feb 28
 *       (29 in leap years), Mar 31, Apr 30, ...; anchor 30 starts one on Feb 28 and the next on
 *       Mar 30;
 *   <li>a year starts on its anchor month and day (January 1 unless set); February 29 means
 *       February 28 in years that have no 29th.
 * </ul>
 *
 * A window ends where the next one starts, so windows tile time without gaps or overlaps. When
 * local midnight does not exist (a daylight saving gap at midnight), the window starts at the first
 * instant after the gap; when it occurs twice (clocks set back across midnight), at the first.
 * A date a zone skipped entirely has an empty window, which no instant is in.
 *
 * <p>Immutable and thread-safe; {@link #windowAt(long)} remembers the last window it computed, so
 * the windows of the current period cost one comparison after the first.
 */
public final class CalendarPeriod {

  /** The calendar unit of a period. */
  public enum Unit {
    /** From local midnight to the next local midnight. */
    DAY(Limit.Unit.DAY),
    /** Seven days from the anchor day of the week (Monday unless set). */
    WEEK(Limit.Unit.WEEK),
    /** From the anchor day of one month (the 1st unless set) to that of the next. */
    MONTH(Limit.Unit.MONTH),
    /** From the anchor month and day (January 1 unless set) to the next year's. */
    YEAR(Limit.Unit.YEAR);

    private final Limit.Unit nominal;

    Unit(Limit.Unit nominal) {
      this.nominal = nominal;
    }

    /**
     * The unit's nominal length (a day 24 hours, a month 30 days, a year 365 days): what a {@link
     * Limit} reports as its period where a length without a date is needed; windows follow the
     * calendar.
     */
    public Limit.Unit nominal() {
      return nominal;
    }

    /** The unit's name as the rate grammar writes it: {@code day}, {@code week}, ... */
    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The calendar unit named {@code text} (any case, singular or plural), or null. */
    public static @Nullable Unit lookup(String text) {
      Limit.Unit u = Limit.Unit.lookup(text);
      for (Unit c : values()) {
        if (c.nominal == u) {
          return c;
        }
      }
      return null;
    }
  }

  /**
   * One window of a calendar period: {@code [startMicros, endMicros)} in microseconds since the
   * epoch, and its number. Numbers grow with time: for a day the epoch day of its start date, for
   * a week its start date's epoch day divided by 7, for a month the months from January 1970 to
   * its start date's month, for a year the years from 1970. A date a zone skipped leaves its
   * number out.
   *
   * @param index the window's number
   * @param startMicros its first microsecond
   * @param endMicros the first microsecond after it: the next window's start
   */
  public record Window(long index, long startMicros, long endMicros) {

    /** Whether {@code micros} is in this window. */
    public boolean contains(long micros) {
      return startMicros <= micros && micros < endMicros;
    }

    /** The window's length in microseconds: 23 or 25 hours for a day across a DST change. */
    public long lengthMicros() {
      return endMicros - startMicros;
    }

    /** The window's first instant. */
    public Instant start() {
      return instant(startMicros);
    }

    /** The first instant after the window. */
    public Instant end() {
      return instant(endMicros);
    }
  }

  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final long MICROS_PER_SECOND = 1_000_000L;
  private static final int EPOCH_YEAR = 1970;
  private static final Pattern MONTH_DAY = Pattern.compile("(?:--)?(\\d{1,2})-(\\d{1,2})");

  private final Unit unit;
  private final ZoneId zone;
  /** WEEK: the day windows start on. */
  private final DayOfWeek weekStart;
  /** MONTH: the anchor day of the month, 1..31; YEAR: the anchor day of {@link #anchorMonth}. */
  private final int anchorDay;
  /** YEAR: the anchor month. */
  private final Month anchorMonth;
  /** The last window computed (a racy cache of an immutable value: any thread may replace it). */
  private volatile @Nullable Window last;

  private CalendarPeriod(Unit unit, ZoneId zone, DayOfWeek weekStart, int anchorDay,
      Month anchorMonth) {
    this.unit = unit;
    this.zone = zone;
    this.weekStart = weekStart;
    this.anchorDay = anchorDay;
    this.anchorMonth = anchorMonth;
  }

  /** Days from local midnight to local midnight, in UTC until {@link #zone(String)} is set. */
  public static CalendarPeriod day() {
    return of(Unit.DAY);
  }

  /** Weeks from Monday (ISO-8601), in UTC, until set otherwise. */
  public static CalendarPeriod week() {
    return of(Unit.WEEK);
  }

  /** Months from the 1st, in UTC, until set otherwise. */
  public static CalendarPeriod month() {
    return of(Unit.MONTH);
  }

  /** Years from January 1, in UTC, until set otherwise. */
  public static CalendarPeriod year() {
    return of(Unit.YEAR);
  }

  /** A period of {@code unit} in UTC with the default anchor (Monday, the 1st, January 1). */
  public static CalendarPeriod of(Unit unit) {
    Objects.requireNonNull(unit, "unit must not be null");
    return new CalendarPeriod(unit, UTC, DayOfWeek.MONDAY, 1, Month.JANUARY);
  }

  /** This period in {@code zone}. */
  public CalendarPeriod zone(ZoneId zone) {
    Objects.requireNonNull(zone, "zone must not be null");
    return new CalendarPeriod(unit, zone, weekStart, anchorDay, anchorMonth);
  }

  /**
   * This period in the zone named {@code zoneId}: a region ({@code Europe/Paris}), {@code UTC}, or
   * an offset ({@code +05:30}).
   *
   * @throws IllegalArgumentException naming the zone when it is unknown
   */
  public CalendarPeriod zone(String zoneId) {
    return zone(zoneOf(zoneId));
  }

  /**
   * The zone named {@code zoneId}.
   *
   * @throws IllegalArgumentException {@code unknown time zone "Europe/Pariss"; expected ...}, with
   *     the right spelling when only its case differs
   */
  public static ZoneId zoneOf(String zoneId) {
    Objects.requireNonNull(zoneId, "zone must not be null");
    try {
      return ZoneId.of(zoneId.trim());
    } catch (DateTimeException e) {
      String hint = "";
      for (String known : ZoneId.getAvailableZoneIds()) {
        if (known.equalsIgnoreCase(zoneId.trim())) {
          hint = "; did you mean \"" + known + "\"?";
          break;
        }
      }
      throw new IllegalArgumentException("unknown time zone \"" + zoneId + "\"" + (hint.isEmpty()
          ? "; expected a region such as Europe/Paris or America/New_York, UTC, or an offset"
              + " such as +05:30" : hint), e);
    }
  }

  /**
   * For a month: windows start on day {@code dayOfMonth} (1 to 31) of every month, or on its last
   * day when the month is shorter.
   *
   * @throws IllegalArgumentException if this is not a month, or the day is not in 1..31
   */
  public CalendarPeriod anchorDay(int dayOfMonth) {
    if (unit != Unit.MONTH) {
      throw notFor("a day of the month (" + dayOfMonth + ")");
    }
    if (dayOfMonth < 1 || dayOfMonth > 31) {
      throw new IllegalArgumentException(
          "the anchor day of a month must be between 1 and 31, was " + dayOfMonth);
    }
    return new CalendarPeriod(unit, zone, weekStart, dayOfMonth, anchorMonth);
  }

  /**
   * For a week: windows start on {@code day}.
   *
   * @throws IllegalArgumentException if this is not a week
   */
  public CalendarPeriod anchor(DayOfWeek day) {
    Objects.requireNonNull(day, "anchor must not be null");
    if (unit != Unit.WEEK) {
      throw notFor("a day of the week (" + day + ")");
    }
    return new CalendarPeriod(unit, zone, day, anchorDay, anchorMonth);
  }

  /**
   * For a year: windows start on {@code day} every year (February 29 means February 28 in years
   * without it).
   *
   * @throws IllegalArgumentException if this is not a year
   */
  public CalendarPeriod anchor(MonthDay day) {
    Objects.requireNonNull(day, "anchor must not be null");
    if (unit != Unit.YEAR) {
      throw notFor("a month and day (" + day + ")");
    }
    return new CalendarPeriod(unit, zone, weekStart, day.getDayOfMonth(), day.getMonth());
  }

  /**
   * Windows aligned on {@code date}, a cycle's first day (a billing date): a month starts on its
   * day of the month, a week on its day of the week, a year on its month and day. Which windows
   * exist does not depend on the year of the date: windows before it are counted alike.
   *
   * @throws IllegalArgumentException for a day, which always starts at local midnight
   */
  public CalendarPeriod anchor(LocalDate date) {
    Objects.requireNonNull(date, "anchor must not be null");
    return switch (unit) {
      case DAY -> throw notFor("a date (" + date + ")");
      case WEEK -> anchor(date.getDayOfWeek());
      case MONTH -> anchorDay(date.getDayOfMonth());
      case YEAR -> anchor(MonthDay.from(date));
    };
  }

  /**
   * The anchor written as text, as rules files and the rate grammar write it: a date ({@code
   * 2026-01-15}) for a week, month or year; a day of the month ({@code 15}) for a month; a day of
   * the week ({@code sunday}, any case) for a week; a month and day ({@code 04-01}) for a year.
   *
   * @throws IllegalArgumentException naming the text and what this unit accepts
   */
  public CalendarPeriod anchor(String text) {
    Objects.requireNonNull(text, "anchor must not be null");
    String t = text.trim();
    if (unit == Unit.DAY) {
      throw notFor("\"" + text + "\"");
    }
    if (t.length() == 10 && t.charAt(4) == '-') {
      try {
        return anchor(LocalDate.parse(t));
      } catch (DateTimeParseException e) {
        throw badAnchor(text, e);
      }
    }
    switch (unit) {
      case MONTH -> {
        if (t.matches("\\d{1,2}")) {
          int day = Integer.parseInt(t);
          if (day >= 1 && day <= 31) {
            return anchorDay(day);
          }
        }
      }
      case WEEK -> {
        for (DayOfWeek d : DayOfWeek.values()) {
          String name = d.name().toLowerCase(Locale.ROOT);
          String lower = t.toLowerCase(Locale.ROOT);
          if (lower.equals(name) || lower.equals(name.substring(0, 3))) {
            return anchor(d);
          }
        }
      }
      case YEAR -> {
        Matcher m = MONTH_DAY.matcher(t);
        if (m.matches()) {
          try {
            return anchor(MonthDay.of(Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2))));
          } catch (DateTimeException e) {
            throw badAnchor(text, e);
          }
        }
      }
      default -> { }
    }
    throw badAnchor(text, null);
  }

  private IllegalArgumentException badAnchor(String text, @Nullable Throwable cause) {
    String expected = switch (unit) {
      case DAY -> "none";
      case WEEK -> "a day of the week (monday ... sunday) or a date such as 2026-01-15";
      case MONTH -> "a day of the month from 1 to 31 (a day past a month's end means its last"
          + " day) or a date such as 2026-01-15";
      case YEAR -> "a month and day such as 04-01, or a date such as 2026-04-01";
    };
    return new IllegalArgumentException("invalid anchor \"" + text + "\" for a " + unit.text()
        + "; expected " + expected, cause);
  }

  private IllegalArgumentException notFor(String what) {
    return new IllegalArgumentException(switch (unit) {
      case DAY -> "a day always starts at local midnight; it takes no anchor, was " + what;
      case WEEK -> "a week is anchored on a day of the week, not " + what;
      case MONTH -> "a month is anchored on a day of the month, not " + what;
      case YEAR -> "a year is anchored on a month and day, not " + what;
    });
  }

  /** The calendar unit. */
  public Unit unit() {
    return unit;
  }

  /** The time zone whose local midnights start the windows. */
  public ZoneId zone() {
    return zone;
  }

  /**
   * The anchor in words: {@code "MONDAY"} for a week, the day of the month for a month ({@code
   * "15"}), {@code "--04-01"} ({@link MonthDay}) for a year, {@code ""} for a day.
   */
  public String anchorText() {
    return switch (unit) {
      case DAY -> "";
      case WEEK -> weekStart.name();
      case MONTH -> Integer.toString(anchorDay);
      case YEAR -> MonthDay.of(anchorMonth, anchorDay).toString();
    };
  }

  /** Whether the anchor is the unit's default: Monday, the 1st, January 1 (a day has none). */
  public boolean defaultAnchor() {
    return switch (unit) {
      case DAY -> true;
      case WEEK -> weekStart == DayOfWeek.MONDAY;
      case MONTH -> anchorDay == 1;
      case YEAR -> anchorDay == 1 && anchorMonth == Month.JANUARY;
    };
  }

  /**
   * The window holding {@code micros} (microseconds since the epoch).
   */
  public Window windowAt(long micros) {
    Window w = last;
    if (w != null && w.contains(micros)) {
      return w;
    }
    w = compute(micros);
    last = w;
    return w;
  }

  /** The window holding {@code instant}. */
  public Window windowAt(Instant instant) {
    return windowAt(Math.addExact(Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND),
        instant.getNano() / 1_000));
  }

  /**
   * The window numbered {@code index} (see {@link Window}); empty ({@code start == end}) for the
   * number of a date the zone skipped.
   */
  public Window window(long index) {
    Window w = last;
    if (w != null && w.index == index) {
      return w;
    }
    return new Window(index, startMicros(index), startMicros(index + 1));
  }

  private Window compute(long micros) {
    LocalDate date = LocalDate.ofInstant(instant(micros), zone);
    long i = indexOf(date);
    long start = startMicros(i);
    while (start > micros) { // local dates can repeat when clocks go back across midnight
      i--;
      start = startMicros(i);
    }
    long end = startMicros(i + 1);
    while (end <= micros) {
      i++;
      start = end;
      end = startMicros(i + 1);
    }
    return new Window(i, start, end);
  }

  /** The number of the window whose start date is the latest at or before {@code date}. */
  private long indexOf(LocalDate date) {
    return switch (unit) {
      case DAY -> date.toEpochDay();
      case WEEK -> Math.floorDiv(date.toEpochDay() - weekOffset(), 7);
      case MONTH -> {
        long m = (date.getYear() - (long) EPOCH_YEAR) * 12 + date.getMonthValue() - 1;
        yield date.getDayOfMonth() < Math.min(anchorDay, date.lengthOfMonth()) ? m - 1 : m;
      }
      case YEAR -> {
        long y = date.getYear() - (long) EPOCH_YEAR;
        yield date.isBefore(startDate(y)) ? y - 1 : y;
      }
    };
  }

  /** The epoch day, modulo 7, of the days weeks start on (1970-01-01 was a Thursday). */
  private long weekOffset() {
    return Math.floorMod(weekStart.getValue() - DayOfWeek.THURSDAY.getValue(), 7);
  }

  /** The start date of window {@code index}. */
  private LocalDate startDate(long index) {
    return switch (unit) {
      case DAY -> LocalDate.ofEpochDay(index);
      case WEEK -> LocalDate.ofEpochDay(index * 7 + weekOffset());
      case MONTH -> {
        long m = index + EPOCH_YEAR * 12L;
        YearMonth ym = YearMonth.of(Math.toIntExact(Math.floorDiv(m, 12)),
            (int) Math.floorMod(m, 12) + 1);
        yield ym.atDay(Math.min(anchorDay, ym.lengthOfMonth()));
      }
      case YEAR -> {
        int y = Math.toIntExact(index + EPOCH_YEAR);
        yield LocalDate.of(y, anchorMonth,
            Math.min(anchorDay, anchorMonth.length(Year.isLeap(y))));
      }
    };
  }

  /** The first microsecond of window {@code index}: local midnight of its start date. */
  private long startMicros(long index) {
    long seconds = startDate(index).atStartOfDay(zone).toEpochSecond();
    if (seconds > Long.MAX_VALUE / MICROS_PER_SECOND) {
      return Long.MAX_VALUE;
    }
    if (seconds < Long.MIN_VALUE / MICROS_PER_SECOND) {
      return Long.MIN_VALUE;
    }
    return seconds * MICROS_PER_SECOND;
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND),
        Math.floorMod(micros, MICROS_PER_SECOND) * 1_000);
  }

  /**
   * The period as the rate grammar writes it after the count: {@code month@Europe/Paris}, and the
   * anchor when it is not the default: {@code month@Europe/Paris anchor 15}, {@code week@UTC
   * anchor sunday}, {@code year@Asia/Tokyo anchor 04-01}.
   */
  public String text() {
    StringBuilder s = new StringBuilder(unit.text()).append('@').append(zone.getId());
    if (!defaultAnchor()) {
      s.append(" anchor ").append(switch (unit) {
        case DAY -> "";
        case WEEK -> weekStart.name().toLowerCase(Locale.ROOT);
        case MONTH -> Integer.toString(anchorDay);
        case YEAR -> String.format(Locale.ROOT, "%02d-%02d", anchorMonth.getValue(), anchorDay);
      });
    }
    return s.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CalendarPeriod c
        && unit == c.unit
        && zone.equals(c.zone)
        && weekStart == c.weekStart
        && anchorDay == c.anchorDay
        && anchorMonth == c.anchorMonth;
  }

  @Override
  public int hashCode() {
    return Objects.hash(unit, zone, weekStart, anchorDay, anchorMonth);
  }

  @Override
  public String toString() {
    return text();
  }
}
