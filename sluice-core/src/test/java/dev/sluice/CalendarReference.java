package dev.sluice;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Calendar windows computed the plain way, for tests: every candidate start date near an instant,
 * written straight from the definition ({@code YearMonth.atDay(min(anchor, length))}, the weekday
 * of the anchor, ...), each taken to its zone's start of day by {@code java.time}, and the window
 * found among them. No window numbers, no arithmetic shared with {@link CalendarPeriod}.
 *
 * @param unit the calendar unit
 * @param zone the zone
 * @param weekStart a week's first day (weeks only)
 * @param anchorMonth a year's anchor month (years only)
 * @param anchorDay a month's anchor day of the month, or a year's anchor day of its month
 */
public record CalendarReference(CalendarPeriod.Unit unit, ZoneId zone, DayOfWeek weekStart,
    Month anchorMonth, int anchorDay) {

  /** {@code [start, end)} in µs. */
  public record Bounds(long start, long end) {}

  /** The window holding {@code micros}. */
  public Bounds windowAt(long micros) {
    Instant t = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
        Math.floorMod(micros, 1_000_000L) * 1_000);
    LocalDate d = LocalDate.ofInstant(t, zone);
    List<LocalDate> starts = new ArrayList<>();
    switch (unit) {
      case DAY -> {
        for (int i = -3; i <= 3; i++) {
          starts.add(d.plusDays(i));
        }
      }
      case WEEK -> {
        for (int i = -21; i <= 21; i++) {
          if (d.plusDays(i).getDayOfWeek() == weekStart) {
            starts.add(d.plusDays(i));
          }
        }
      }
      case MONTH -> {
        for (int i = -3; i <= 3; i++) {
          YearMonth ym = YearMonth.from(d).plusMonths(i);
          starts.add(ym.atDay(Math.min(anchorDay, ym.lengthOfMonth())));
        }
      }
      case YEAR -> {
        for (int i = -2; i <= 2; i++) {
          YearMonth ym = YearMonth.of(d.getYear() + i, anchorMonth);
          starts.add(ym.atDay(Math.min(anchorDay, ym.lengthOfMonth())));
        }
      }
    }
    long[] bounds = starts.stream().mapToLong(s -> s.atStartOfDay(zone).toEpochSecond() * 1_000_000L)
        .toArray();
    for (int i = 0; i + 1 < bounds.length; i++) {
      if (bounds[i] <= micros && micros < bounds[i + 1]) {
        return new Bounds(bounds[i], bounds[i + 1]);
      }
    }
    throw new AssertionError("no candidate window holds " + t + " in " + zone);
  }
}
