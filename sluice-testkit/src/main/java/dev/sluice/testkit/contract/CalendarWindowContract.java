package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Limit;
import dev.sluice.ManualSleeper;
import dev.sluice.RateLimiter;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.MonthDay;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Algorithm#FIXED_WINDOW} with a {@link CalendarPeriod}: at most count
 * permits in each calendar window of the zone, from local midnight to local midnight (a day of 23
 * or 25 hours across a DST change; a month from its anchor day, the last day of shorter months for
 * an anchor past their end; a year from February 29 starting on the 28th in other years).
 * {@code resetAfter} and {@code retryAfter} run to the window's real end. The expected ends are
 * written out as instants, not computed.
 */
public abstract class CalendarWindowContract extends AbstractContract {

  private static long micros(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * SECOND + i.getNano() / 1_000;
  }

  /** Sets the clock to {@code instant}. */
  private void atInstant(String instant) {
    clock.setMicros(micros(instant));
  }

  /** Microseconds from now until {@code instant}. */
  private long until(String instant) {
    return micros(instant) - clock.nowMicros();
  }

  private static Limit limit(String text) {
    Limit l = Limit.parse(text);
    assertThat(l.calendar()).as("a calendar period in %s", text).isPresent();
    return l;
  }

  @Test
  void aDayRunsFromLocalMidnightToLocalMidnightInItsZone() {
    Key key = key(limit("3/day@Europe/Paris"));
    at(0); // 2023-11-15T00:00Z is 01:00 in Paris: the day ends at 23:00Z
    assertAllowed(key.acquire(), 2, 23 * HOUR);
    assertAllowed(key.acquire(2), 0, 23 * HOUR);
    assertDenied(key.acquire(), 0, 23 * HOUR, 23 * HOUR);
    at(23 * HOUR - 1); // 23:59:59.999999 in Paris
    assertDenied(key.acquire(), 0, 1, 1);
    at(23 * HOUR); // midnight in Paris: a new day
    assertAllowed(key.acquire(), 2, DAY);

    Key tokyo = key(limit("1/day@Asia/Tokyo"));
    at(0); // 09:00 in Tokyo
    assertAllowed(tokyo.acquire(), 0, 15 * HOUR);
    assertDenied(tokyo.acquire(), 0, 15 * HOUR, 15 * HOUR);
  }

  @Test
  void aDayAcrossADstChangeHas23Or25Hours() {
    Key spring = key(limit("1/day@Europe/Paris"));
    atInstant("2024-03-30T23:00:00Z"); // midnight CET, March 31: clocks go forward at 02:00
    assertAllowed(spring.acquire(), 0, 23 * HOUR);
    atInstant("2024-03-31T21:59:59.999999Z");
    assertDenied(spring.acquire(), 0, 1, 1);
    atInstant("2024-03-31T22:00:00Z"); // midnight CEST, April 1
    assertAllowed(spring.acquire(), 0, DAY);

    Key autumn = key(limit("1/day@Europe/Paris"));
    atInstant("2024-10-26T22:00:00Z"); // midnight CEST, October 27: clocks go back at 03:00
    assertAllowed(autumn.acquire(), 0, 25 * HOUR);
    atInstant("2024-10-27T01:30:00Z"); // 02:30 local, the second time
    assertDenied(autumn.acquire(), 0, until("2024-10-27T23:00:00Z"),
        until("2024-10-27T23:00:00Z"));
  }

  /** São Paulo went from 00:00 to 01:00 on 2018-11-04: that day began at 01:00. */
  @Test
  void aDayWhoseMidnightIsSkippedBeginsAtTheFirstInstantAfterTheGap() {
    Key key = key(limit("1/day@America/Sao_Paulo"));
    atInstant("2018-11-04T02:59:59Z"); // 23:59:59 on the 3rd, at -03:00
    assertAllowed(key.acquire(), 0, SECOND);
    atInstant("2018-11-04T03:00:00Z"); // 01:00 on the 4th, at -02:00
    assertAllowed(key.acquire(), 0, 23 * HOUR);
  }

  @Test
  void aMonthAnchoredOnThe31stEndsOnTheLastDayOfShorterMonths() {
    Key key = key(limit("2/month@UTC anchor 31"));
    atInstant("2024-02-10T12:00:00Z"); // in the cycle of January 31, to February 29
    assertAllowed(key.acquire(2), 0, until("2024-02-29T00:00:00Z"));
    assertDenied(key.acquire(), 0, until("2024-02-29T00:00:00Z"), until("2024-02-29T00:00:00Z"));
    atInstant("2024-02-29T00:00:00Z"); // leap day: the next cycle, to March 31
    assertAllowed(key.acquire(), 1, 31 * DAY);
    atInstant("2024-04-30T00:00:00Z"); // April has no 31st: its cycle starts on the 30th
    assertAllowed(key.check(), 2, 0);
    assertAllowed(key.acquire(), 1, 31 * DAY);
  }

  @Test
  void aBillingMonthFromThe15thEndsAtLocalMidnightOfTheNext15th() {
    Limit billing = Limit.builder(1000, CalendarPeriod.month().zone("Europe/Paris").anchorDay(15))
        .name("tenant-monthly").build();
    Key key = key(billing);
    atInstant("2026-03-20T10:00:00Z");
    assertAllowed(key.acquire(1000), 0, until("2026-04-14T22:00:00Z")); // April 15, 00:00 CEST
    assertDenied(key.acquire(), 0, until("2026-04-14T22:00:00Z"), until("2026-04-14T22:00:00Z"));
    atInstant("2026-04-14T21:59:59.999999Z");
    assertDenied(key.acquire(), 0, 1, 1);
    atInstant("2026-04-14T22:00:00Z");
    assertAllowed(key.acquire(10), 990, until("2026-05-14T22:00:00Z"));
  }

  @Test
  void aYearFromFebruary29StartsOnThe28thInOtherYears() {
    Key key = key(Limit.builder(5, CalendarPeriod.year().anchor(MonthDay.of(2, 29))).build());
    atInstant("2025-02-27T12:00:00Z");
    assertAllowed(key.acquire(5), 0, 12 * HOUR); // the year ends 2025-02-28T00:00Z
    atInstant("2025-02-28T00:00:00Z");
    assertAllowed(key.acquire(), 4, until("2026-02-28T00:00:00Z"));
  }

  @Test
  void aWeekStartsOnItsAnchorDayAtLocalMidnight() {
    Key key = key(Limit.builder(2,
        CalendarPeriod.week().zone("America/New_York").anchor(DayOfWeek.SUNDAY)).build());
    atInstant("2024-03-13T12:00:00Z"); // a Wednesday; the week began Sunday 03-10 at 05:00Z
    assertAllowed(key.acquire(2), 0, until("2024-03-17T04:00:00Z")); // Sunday 03-17, EDT
    assertDenied(key.acquire(), 0, until("2024-03-17T04:00:00Z"), until("2024-03-17T04:00:00Z"));
    atInstant("2024-03-17T04:00:00Z");
    assertAllowed(key.acquire(), 1, 7 * DAY);
  }

  @Test
  void aZeroPermitCheckReportsTheWindowAndTakesNothing() {
    Key key = key(limit("4/day@America/New_York"));
    at(0); // 19:00 on the 14th in New York: the day ends at 05:00Z
    assertAllowed(key.check(), 4, 0);
    assertAllowed(key.acquire(), 3, 5 * HOUR);
    assertAllowed(key.check(), 3, 5 * HOUR);
    assertNeverFits(key.acquire(5), 3, 5 * HOUR);
    at(5 * HOUR); // a new day: nothing used, nothing to reset
    assertAllowed(key.check(), 4, 0);
  }

  @Test
  void refundsGoBackToTheCurrentCalendarWindowOnly() {
    KeyedLimits limits = keyedLimits(limit("3/day@Asia/Tokyo"));
    String key = newKey();
    at(0); // 09:00 in Tokyo: the day ends at 15:00Z
    assertAllowed(limits.acquire(key, 3), 0, 15 * HOUR);
    assertAllowed(limits.refund(key, 2), 2, 15 * HOUR);
    assertAllowed(limits.refund(key, 5), 3, 0);
    assertAllowed(limits.acquire(key, 3), 0, 15 * HOUR);
    at(15 * HOUR); // a new day in Tokyo: permits of yesterday are not given to today
    assertAllowed(limits.refund(key, 3), 3, 0);
    assertAllowed(limits.acquire(key, 3), 0, DAY);
    assertDenied(limits.acquire(key, 1), 0, DAY, DAY);
  }

  @Test
  void takeUpToAndReservationsCountInTheCalendarWindow() {
    KeyedLimits limits = keyedLimits(limit("3/day@Europe/Paris"));
    String key = newKey();
    at(0);
    Grant g = limits.acquireUpTo(key, 5);
    assertThat(g.taken()).isEqualTo(3);
    assertAllowed(g.decision(), 0, 23 * HOUR);
    // a window cannot hold capacity of a window that has not started: no waiting in debt
    Reservation r = limits.reserve(key, 1, 2 * DAY);
    assertThat(r.waitMicros()).isZero();
    assertDenied(r.decision(), 0, 23 * HOUR, 23 * HOUR);
  }

  @Test
  void aWaitingCallerSleepsUntilLocalMidnight() throws Exception {
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = limiter(sleeper, limit("1/day@Europe/Paris"));
    String key = newKey();
    at(22 * HOUR); // 23:00 in Paris
    limiter.tryAcquire(key);
    assertAllowed(limiter.acquire(key, 1, Duration.ofHours(2)), 0, DAY);
    assertThat(sleeper.waits()).containsExactly(HOUR);
    assertThat(now()).isEqualTo(23 * HOUR);
  }

  @Test
  void aCalendarWindowAndARateOnOneKeyAreAllOrNothing() {
    Limit perSecond = Limit.builder("10/second").name("per-second").build();
    Limit daily = Limit.builder(3, CalendarPeriod.day().zone("America/New_York"))
        .name("daily").build();
    Key key = key(perSecond, daily);
    at(0); // 19:00 in New York
    assertAllowed(key.acquire(3), 0, 5 * HOUR);
    assertDecidedBy(key.acquire(), daily);
    assertDenied(key.acquire(), 0, 5 * HOUR, 5 * HOUR);
    at(5 * HOUR); // midnight in New York
    assertAllowed(key.acquire(3), 0, DAY);
    assertDecidedBy(key.acquire(0), daily);
  }
}
