package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/**
 * Calendar windows against {@code java.time}, over random zones (every zone the JVM knows, with
 * those that have daylight saving, half-hour and odd offsets, midnight transitions and skipped
 * days drawn more often), random instants from 1900 to 2200 (leap years included) and random
 * anchors: the window holds the instant, starts at local midnight of a start date the anchor
 * rule gives, and windows tile time (each ends where the next starts, numbers grow).
 */
class CalendarPeriodPropertiesTest {

  /** Zones whose calendars are awkward: DST at midnight, 30-minute DST, odd offsets, a day skipped. */
  private static final List<String> AWKWARD = List.of("Europe/Paris", "America/New_York",
      "America/Sao_Paulo", "America/Santiago", "America/Havana", "Asia/Beirut", "Asia/Gaza",
      "Asia/Tehran", "Africa/Cairo", "Africa/Casablanca", "Australia/Lord_Howe",
      "Asia/Kathmandu", "Pacific/Chatham", "Pacific/Apia", "Pacific/Kiritimati",
      "America/St_Johns", "Antarctica/Troll", "Europe/Dublin", "Pacific/Kwajalein",
      "America/Godthab", "Asia/Pyongyang", "UTC", "+05:45", "-09:30");

  private static final long FROM = Instant.parse("1900-01-01T00:00:00Z").getEpochSecond()
      * 1_000_000L;
  private static final long TO = Instant.parse("2200-01-01T00:00:00Z").getEpochSecond()
      * 1_000_000L;

  @Provide
  Arbitrary<ZoneId> zones() {
    List<String> all = ZoneId.getAvailableZoneIds().stream().sorted().toList();
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.of(all)),
        Tuple.of(1, Arbitraries.of(AWKWARD))).map(ZoneId::of);
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<CalendarPeriod.Unit> units = Arbitraries.of(CalendarPeriod.Unit.class);
    Arbitrary<Integer> days = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.integers().between(1, 31)),
        Tuple.of(2, Arbitraries.of(28, 29, 30, 31)));
    Arbitrary<DayOfWeek> weekdays = Arbitraries.of(DayOfWeek.class);
    Arbitrary<MonthDay> monthDays = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.integers().between(1, 366)
            .map(n -> MonthDay.from(LocalDate.ofYearDay(2024, n)))),
        Tuple.of(1, Arbitraries.just(MonthDay.of(2, 29))));
    Arbitrary<Long> instants = Arbitraries.longs().between(FROM, TO);
    return Combinators.combine(units, zones(), days, weekdays, monthDays, instants)
        .as(Case::new);
  }

  /** A period, its plain-java.time twin, and an instant. */
  record Case(CalendarPeriod.Unit unit, ZoneId zone, int day, DayOfWeek weekday, MonthDay monthDay,
      long micros) {

    CalendarPeriod period() {
      CalendarPeriod p = CalendarPeriod.of(unit).zone(zone);
      return switch (unit) {
        case DAY -> p;
        case WEEK -> p.anchor(weekday);
        case MONTH -> p.anchorDay(day);
        case YEAR -> p.anchor(monthDay);
      };
    }

    CalendarReference reference() {
      return switch (unit) {
        case DAY, WEEK, MONTH -> new CalendarReference(unit, zone, weekday, Month.JANUARY, day);
        case YEAR -> new CalendarReference(unit, zone, weekday, monthDay.getMonth(),
            monthDay.getDayOfMonth());
      };
    }
  }

  @Property(tries = 3000)
  void theWindowHoldsTheInstantAndIsJavaTimesWindow(@ForAll("cases") Case c) {
    CalendarPeriod period = c.period();
    CalendarPeriod.Window w = period.windowAt(c.micros());
    assertThat(w.contains(c.micros())).as("%s holds %s", w, c.micros()).isTrue();
    CalendarReference.Bounds expected = c.reference().windowAt(c.micros());
    assertThat(new CalendarReference.Bounds(w.startMicros(), w.endMicros()))
        .as("%s at %s", period, Instant.ofEpochSecond(c.micros() / 1_000_000L))
        .isEqualTo(expected);
  }

  @Property(tries = 3000)
  void windowsTileTimeWithoutGapsOrOverlaps(@ForAll("cases") Case c) {
    CalendarPeriod period = c.period();
    CalendarPeriod.Window w = period.windowAt(c.micros());
    CalendarPeriod.Window next = period.windowAt(w.endMicros());
    CalendarPeriod.Window previous = period.windowAt(w.startMicros() - 1);
    assertThat(next.startMicros()).as("the next window starts where %s ends", w)
        .isEqualTo(w.endMicros());
    assertThat(previous.endMicros()).as("the previous window ends where %s starts", w)
        .isEqualTo(w.startMicros());
    assertThat(period.windowAt(w.endMicros() - 1)).isEqualTo(w);
    assertThat(period.windowAt(w.startMicros())).isEqualTo(w);
    assertThat(previous.index()).isLessThan(w.index());
    assertThat(next.index()).isGreaterThan(w.index());
    assertThat(period.window(w.index())).isEqualTo(w);
    assertThat(period.window(next.index())).isEqualTo(next);
  }

  /** The start is local midnight, or the first instant after a gap at midnight. */
  @Property(tries = 2000)
  void aWindowStartsAtLocalMidnightOfADateTheAnchorGives(@ForAll("cases") Case c) {
    CalendarPeriod.Window w = c.period().windowAt(c.micros());
    ZonedDateTime start = w.start().atZone(c.zone());
    LocalDate date = start.toLocalDate(); // after a gap at midnight: the same date, later
    assertThat(date.atStartOfDay(c.zone()).toInstant()).isEqualTo(w.start());
    switch (c.unit()) {
      case DAY -> { }
      case WEEK -> assertThat(date.getDayOfWeek()).isEqualTo(c.weekday());
      case MONTH -> assertThat(date.getDayOfMonth())
          .isEqualTo(Math.min(c.day(), date.lengthOfMonth()));
      case YEAR -> {
        assertThat(date.getMonth()).isEqualTo(c.monthDay().getMonth());
        assertThat(date.getDayOfMonth()).isEqualTo(Math.min(c.monthDay().getDayOfMonth(),
            date.getMonth().length(date.isLeapYear())));
      }
    }
  }

  /** Without DST, an hour-aligned zone's day is 24 hours and a month as long as its days. */
  @Property(tries = 500)
  void inAFixedOffsetADayIs24HoursAndAMonthItsDays(@ForAll @LongRange(min = -720, max = 840)
      long offsetMinutes, @ForAll("cases") Case c) {
    ZoneId zone = java.time.ZoneOffset.ofTotalSeconds((int) (offsetMinutes * 60));
    CalendarPeriod.Window day = CalendarPeriod.day().zone(zone).windowAt(c.micros());
    assertThat(day.lengthMicros()).isEqualTo(86_400_000_000L);
    CalendarPeriod.Window month = CalendarPeriod.month().zone(zone).windowAt(c.micros());
    LocalDate first = month.start().atZone(zone).toLocalDate();
    assertThat(month.lengthMicros()).isEqualTo(first.lengthOfMonth() * 86_400_000_000L);
  }
}
