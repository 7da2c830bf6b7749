package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/**
 * Calendar windows on the days that are hard to get right: DST changes (a 23-hour and a 25-hour
 * day, a gap at midnight), the ends of months with an anchor on the 29th to 31st, leap years; and
 * every error a period can raise.
 */
class CalendarPeriodTest {

  private static long micros(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }

  private static void assertWindow(CalendarPeriod.Window w, String start, String end) {
    assertThat(w.start()).as("start of %s", w).isEqualTo(Instant.parse(start));
    assertThat(w.end()).as("end of %s", w).isEqualTo(Instant.parse(end));
  }

  @Test
  void aParisDayIs23HoursInMarchAnd25InOctober() {
    CalendarPeriod day = CalendarPeriod.day().zone("Europe/Paris");
    CalendarPeriod.Window spring = day.windowAt(micros("2024-03-31T12:00:00Z"));
    assertWindow(spring, "2024-03-30T23:00:00Z", "2024-03-31T22:00:00Z");
    assertThat(spring.lengthMicros()).isEqualTo(Duration.ofHours(23).toNanos() / 1_000);
    CalendarPeriod.Window autumn = day.windowAt(micros("2024-10-27T12:00:00Z"));
    assertWindow(autumn, "2024-10-26T22:00:00Z", "2024-10-27T23:00:00Z");
    assertThat(autumn.lengthMicros()).isEqualTo(Duration.ofHours(25).toNanos() / 1_000);
    // the hour that repeats (02:00-03:00 local, twice) is in the same day
    assertThat(day.windowAt(micros("2024-10-27T00:30:00Z"))).isEqualTo(autumn);
    assertThat(day.windowAt(micros("2024-10-27T01:30:00Z"))).isEqualTo(autumn);
    // and the edges: the last µs of a day and the first of the next
    assertThat(day.windowAt(micros("2024-10-27T22:59:59.999999Z"))).isEqualTo(autumn);
    assertWindow(day.windowAt(micros("2024-10-27T23:00:00Z")), "2024-10-27T23:00:00Z",
        "2024-10-28T23:00:00Z");
  }

  /** São Paulo sprang forward at midnight: 2018-11-04 had no 00:00, its day began at 01:00. */
  @Test
  void aDayWhoseMidnightIsInAGapStartsAtTheFirstInstantAfterIt() {
    CalendarPeriod day = CalendarPeriod.day().zone("America/Sao_Paulo");
    CalendarPeriod.Window w = day.windowAt(micros("2018-11-04T12:00:00Z"));
    // 01:00 at -02:00 is 03:00Z: this day has 23 hours; the one before ran 24, from 03:00Z
    assertWindow(w, "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z");
    assertWindow(day.windowAt(micros("2018-11-04T02:59:59Z")), "2018-11-03T03:00:00Z",
        "2018-11-04T03:00:00Z");
    // and fell back from 00:00 to 23:00 on 2019-02-17: the 16th had 25 hours
    CalendarPeriod.Window longDay = day.windowAt(micros("2019-02-17T02:30:00Z"));
    assertWindow(longDay, "2019-02-16T02:00:00Z", "2019-02-17T03:00:00Z");
  }

  /** Samoa skipped 2011-12-30: that date has an empty window, which no instant is in. */
  @Test
  void aSkippedDateHasAnEmptyWindowThatNothingFallsIn() {
    CalendarPeriod day = CalendarPeriod.day().zone("Pacific/Apia");
    CalendarPeriod.Window before = day.windowAt(micros("2011-12-30T09:59:59Z"));
    CalendarPeriod.Window after = day.windowAt(micros("2011-12-30T10:00:00Z"));
    assertThat(before.end()).isEqualTo(after.start());
    assertThat(after.start()).isEqualTo(Instant.parse("2011-12-30T10:00:00Z"));
    assertThat(after.index() - before.index()).isEqualTo(2);
    CalendarPeriod.Window skipped = day.window(before.index() + 1);
    assertThat(skipped.lengthMicros()).isZero();
  }

  @Test
  void anchor31EndsShorterMonthsOnTheirLastDay() {
    CalendarPeriod month = CalendarPeriod.month().zone("UTC").anchorDay(31);
    assertWindow(month.windowAt(micros("2024-02-10T00:00:00Z")), "2024-01-31T00:00:00Z",
        "2024-02-29T00:00:00Z");
    assertWindow(month.windowAt(micros("2024-02-29T00:00:00Z")), "2024-02-29T00:00:00Z",
        "2024-03-31T00:00:00Z");
    assertWindow(month.windowAt(micros("2024-04-30T12:00:00Z")), "2024-04-30T00:00:00Z",
        "2024-05-31T00:00:00Z");
    assertWindow(month.windowAt(micros("2023-02-28T00:00:00Z")), "2023-02-28T00:00:00Z",
        "2023-03-31T00:00:00Z");
    // anchor 30: February ends on its last day, March starts again on the 30th
    CalendarPeriod thirtieth = CalendarPeriod.month().zone("UTC").anchorDay(30);
    assertWindow(thirtieth.windowAt(micros("2023-03-15T00:00:00Z")), "2023-02-28T00:00:00Z",
        "2023-03-30T00:00:00Z");
  }

  @Test
  void aBillingMonthFromThe15thInParisEndsAtLocalMidnight() {
    CalendarPeriod billing = CalendarPeriod.month().zone("Europe/Paris")
        .anchor(LocalDate.parse("2026-01-15"));
    assertThat(billing).isEqualTo(CalendarPeriod.month().zone("Europe/Paris").anchorDay(15));
    // 2026-03-20: the cycle began 2026-03-15 00:00 CET and ends 2026-04-15 00:00 CEST
    assertWindow(billing.windowAt(micros("2026-03-20T10:00:00Z")), "2026-03-14T23:00:00Z",
        "2026-04-14T22:00:00Z");
    // the 14th at 23:59 local is still the previous cycle
    assertWindow(billing.windowAt(micros("2026-03-14T22:59:59Z")), "2026-02-14T23:00:00Z",
        "2026-03-14T23:00:00Z");
  }

  @Test
  void aYearFromFebruary29StartsOnThe28thInOtherYears() {
    CalendarPeriod year = CalendarPeriod.year().zone("UTC").anchor(MonthDay.of(2, 29));
    assertWindow(year.windowAt(micros("2024-06-01T00:00:00Z")), "2024-02-29T00:00:00Z",
        "2025-02-28T00:00:00Z");
    assertWindow(year.windowAt(micros("2024-02-28T23:59:59Z")), "2023-02-28T00:00:00Z",
        "2024-02-29T00:00:00Z");
    CalendarPeriod calendarYear = CalendarPeriod.year().zone("Asia/Tokyo");
    assertWindow(calendarYear.windowAt(micros("2024-12-31T15:00:00Z")), "2024-12-31T15:00:00Z",
        "2025-12-31T15:00:00Z");
  }

  @Test
  void weeksStartOnMondayOrTheirAnchor() {
    CalendarPeriod iso = CalendarPeriod.week().zone("America/New_York");
    // Wednesday 2024-03-13; the week began Monday 03-11 00:00 EDT, after the change of 03-10
    assertWindow(iso.windowAt(micros("2024-03-13T12:00:00Z")), "2024-03-11T04:00:00Z",
        "2024-03-18T04:00:00Z");
    CalendarPeriod sundays = iso.anchor(DayOfWeek.SUNDAY);
    // from Sunday 03-10 00:00 EST: 167 hours, the day of the change
    CalendarPeriod.Window w = sundays.windowAt(micros("2024-03-13T12:00:00Z"));
    assertWindow(w, "2024-03-10T05:00:00Z", "2024-03-17T04:00:00Z");
    assertThat(w.lengthMicros()).isEqualTo(Duration.ofHours(167).toNanos() / 1_000);
  }

  @Test
  void anchorsAreReadFromText() {
    assertThat(CalendarPeriod.month().anchor("15"))
        .isEqualTo(CalendarPeriod.month().anchorDay(15));
    assertThat(CalendarPeriod.month().anchor("2026-01-31"))
        .isEqualTo(CalendarPeriod.month().anchorDay(31));
    assertThat(CalendarPeriod.week().anchor("Sunday"))
        .isEqualTo(CalendarPeriod.week().anchor(DayOfWeek.SUNDAY));
    assertThat(CalendarPeriod.week().anchor("sun"))
        .isEqualTo(CalendarPeriod.week().anchor(DayOfWeek.SUNDAY));
    assertThat(CalendarPeriod.week().anchor("2026-01-15")) // a Thursday
        .isEqualTo(CalendarPeriod.week().anchor(DayOfWeek.THURSDAY));
    assertThat(CalendarPeriod.year().anchor("04-01"))
        .isEqualTo(CalendarPeriod.year().anchor(MonthDay.of(4, 1)));
    assertThat(CalendarPeriod.year().anchor("--02-29"))
        .isEqualTo(CalendarPeriod.year().anchor(MonthDay.of(2, 29)));
  }

  @Test
  void textNamesTheUnitTheZoneAndAnAnchorOtherThanTheDefault() {
    assertThat(CalendarPeriod.day().zone("Europe/Paris").text()).isEqualTo("day@Europe/Paris");
    assertThat(CalendarPeriod.day().text()).isEqualTo("day@UTC");
    assertThat(CalendarPeriod.month().zone("+05:30").anchorDay(15).text())
        .isEqualTo("month@+05:30 anchor 15");
    assertThat(CalendarPeriod.week().anchor(DayOfWeek.MONDAY).text()).isEqualTo("week@UTC");
    assertThat(CalendarPeriod.week().anchor(DayOfWeek.SUNDAY).text())
        .isEqualTo("week@UTC anchor sunday");
    assertThat(CalendarPeriod.year().zone("Asia/Tokyo").anchor(MonthDay.of(4, 1)).toString())
        .isEqualTo("year@Asia/Tokyo anchor 04-01");
    assertThat(CalendarPeriod.month().zone(ZoneId.of("Europe/Paris")))
        .isEqualTo(CalendarPeriod.month().zone("Europe/Paris"))
        .isNotEqualTo(CalendarPeriod.month().zone("Europe/Berlin"))
        .isNotEqualTo(CalendarPeriod.month().zone("Europe/Paris").anchorDay(2));
  }

  @Test
  void anUnknownZoneIsNamed() {
    assertThatThrownBy(() -> CalendarPeriod.day().zone("Europe/Pariss"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown time zone \"Europe/Pariss\"; expected a region such as"
            + " Europe/Paris or America/New_York, UTC, or an offset such as +05:30");
    assertThatThrownBy(() -> CalendarPeriod.day().zone("europe/paris"))
        .hasMessage("unknown time zone \"europe/paris\"; did you mean \"Europe/Paris\"?");
    assertThatThrownBy(() -> CalendarPeriod.day().zone("+25:00"))
        .hasMessageStartingWith("unknown time zone \"+25:00\"");
  }

  @Test
  void anAnchorTheUnitDoesNotTakeIsRefused() {
    assertThatThrownBy(() -> CalendarPeriod.month().anchorDay(32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the anchor day of a month must be between 1 and 31, was 32");
    assertThatThrownBy(() -> CalendarPeriod.month().anchorDay(0))
        .hasMessage("the anchor day of a month must be between 1 and 31, was 0");
    assertThatThrownBy(() -> CalendarPeriod.day().anchor(LocalDate.parse("2026-01-15")))
        .hasMessage("a day always starts at local midnight; it takes no anchor, was a date"
            + " (2026-01-15)");
    assertThatThrownBy(() -> CalendarPeriod.week().anchorDay(15))
        .hasMessage("a week is anchored on a day of the week, not a day of the month (15)");
    assertThatThrownBy(() -> CalendarPeriod.month().anchor(DayOfWeek.FRIDAY))
        .hasMessage("a month is anchored on a day of the month, not a day of the week (FRIDAY)");
    assertThatThrownBy(() -> CalendarPeriod.year().anchorDay(1))
        .hasMessage("a year is anchored on a month and day, not a day of the month (1)");
    assertThatThrownBy(() -> CalendarPeriod.month().anchor("32"))
        .hasMessage("invalid anchor \"32\" for a month; expected a day of the month from 1 to 31"
            + " (a day past a month's end means its last day) or a date such as 2026-01-15");
    assertThatThrownBy(() -> CalendarPeriod.month().anchor("2026-02-31"))
        .hasMessageStartingWith("invalid anchor \"2026-02-31\" for a month; expected");
    assertThatThrownBy(() -> CalendarPeriod.week().anchor("someday"))
        .hasMessage("invalid anchor \"someday\" for a week; expected a day of the week (monday"
            + " ... sunday) or a date such as 2026-01-15");
    assertThatThrownBy(() -> CalendarPeriod.year().anchor("02-30"))
        .hasMessage("invalid anchor \"02-30\" for a year; expected a month and day such as"
            + " 04-01, or a date such as 2026-04-01");
  }
}
