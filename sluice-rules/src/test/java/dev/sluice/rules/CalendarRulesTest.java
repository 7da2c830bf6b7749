package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Limit;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.MonthDay;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sluice's {@code calendar} block under {@code rate_limit}: the unit becomes a day, week, month or
 * year of a time zone's calendar, from an anchor; files without it keep envoy's fixed lengths.
 * Every mistake in it is reported at the value it belongs to.
 */
class CalendarRulesTest {

  private static RuleSet load(String yaml) {
    return RuleLoader.create().parse(Map.of("f.yaml", yaml));
  }

  private static RuleLimit limitOf(String yaml, String key, String value) {
    return load(yaml).match("d", Descriptor.of(key, value)).orElseThrow().limits().get(0);
  }

  /** The errors of one file, as {@code line:column: path: problem}. */
  private static List<String> errors(String yaml) {
    List<RuleError> errors = new ArrayList<>();
    FileParser.parse("f.yaml", yaml, errors);
    return errors.stream().map(e -> e.toString().substring("f.yaml:".length())).toList();
  }

  @Test
  void aCalendarBlockTurnsTheUnitIntoACalendarPeriod() {
    RuleLimit l = limitOf("""
        domain: d
        descriptors:
          - key: tenant
            rate_limit:
              unit: month
              requests_per_unit: 100000
              name: tenant_monthly
              calendar: {zone: Europe/Paris, anchor: 2026-01-15}
        """, "tenant", "acme");
    CalendarPeriod billing = CalendarPeriod.month().zone("Europe/Paris").anchorDay(15);
    assertThat(l.calendar()).contains(billing);
    assertThat(l.algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
    assertThat(l.limit()).contains(Limit.builder(100000, billing).name("tenant_monthly").build());
    assertThat(l.describe())
        .isEqualTo("100000/month@Europe/Paris anchor 15 FIXED_WINDOW name=tenant_monthly");
  }

  @Test
  void withoutACalendarBlockAnEnvoyMonthIsStill30Days() {
    RuleLimit l = limitOf("""
        domain: d
        descriptors:
          - key: tenant
            rate_limit: {unit: month, requests_per_unit: 10}
        """, "tenant", "acme");
    assertThat(l.calendar()).isEmpty();
    assertThat(l.limit().orElseThrow().calendar()).isEmpty();
    assertThat(l.limit().orElseThrow().period()).isEqualTo(Duration.ofDays(30));
    assertThat(l.describe()).isEqualTo("10/month FIXED_WINDOW");
  }

  @Test
  void everyUnitTakesItsKindOfAnchor() {
    RuleSet rules = load("""
        domain: d
        descriptors:
          - key: user
            rate_limits:
              - {unit: day, requests_per_unit: 50000, calendar: {zone: America/New_York}}
              - {unit: week, requests_per_unit: 200000, calendar: {zone: UTC, anchor: sunday}}
              - {unit: month, requests_per_unit: 600000, calendar: {zone: UTC, anchor: 31}}
              - {unit: year, requests_per_unit: 9000000, calendar: {zone: Asia/Tokyo, anchor: 04-01}}
              - {unit: week, requests_per_unit: 7, calendar: {zone: UTC, anchor: 2026-01-15}}
        """);
    assertThat(rules.match("d", Descriptor.of("user", "u")).orElseThrow().coreLimits())
        .containsExactly(
            Limit.builder(50000, CalendarPeriod.day().zone("America/New_York")).build(),
            Limit.builder(200000, CalendarPeriod.week().anchor(DayOfWeek.SUNDAY)).build(),
            Limit.builder(600000, CalendarPeriod.month().anchorDay(31)).build(),
            Limit.builder(9000000, CalendarPeriod.year().zone("Asia/Tokyo")
                .anchor(MonthDay.of(4, 1))).build(),
            Limit.builder(7, CalendarPeriod.week().anchor(DayOfWeek.THURSDAY)).build());
    assertThat(rules.render()).contains("user: 50000/day@America/New_York FIXED_WINDOW;"
        + " 200000/week@UTC anchor sunday FIXED_WINDOW; 600000/month@UTC anchor 31 FIXED_WINDOW;"
        + " 9000000/year@Asia/Tokyo anchor 04-01 FIXED_WINDOW; 7/week@UTC anchor thursday"
        + " FIXED_WINDOW\n");
  }

  @Test
  void zeroRequestsWithACalendarDenyEverything() {
    RuleLimit l = limitOf("""
        domain: d
        descriptors:
          - key: blocked
            rate_limit: {unit: day, requests_per_unit: 0, calendar: {zone: UTC}}
        """, "blocked", "b");
    assertThat(l.deniesAll()).isTrue();
    assertThat(l.calendar()).contains(CalendarPeriod.day());
  }

  @Test
  void mistakesAreReportedWhereTheyAre() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: a
            rate_limit: {unit: day, requests_per_unit: 1, calendar: {zone: europe/paris}}
          - key: b
            rate_limit: {unit: day, requests_per_unit: 1, calendar: {anchor: 15}}
          - key: c
            rate_limit: {unit: hour, requests_per_unit: 1, calendar: {zone: UTC}}
          - key: e
            rate_limit:
              unit: month
              unit_multiplier: 3
              requests_per_unit: 1
              calendar: {zone: UTC}
          - key: f
            rate_limit:
              unit: month
              requests_per_unit: 1
              algorithm: token_bucket
              calendar: {zone: UTC}
          - key: g
            rate_limit: {unit: day, requests_per_unit: 1, calendar: {zone: UTC, anchor: 15}}
          - key: h
            rate_limit: {unit: year, requests_per_unit: 1, calendar: {zone: UTC, anchor: 02-30}}
        """)).containsExactly(
        "4:68: d > a > rate_limit.calendar: unknown time zone \"europe/paris\"; did you mean"
            + " \"Europe/Paris\"?",
        "6:61: d > b > rate_limit.calendar: calendar zone is missing; give a time zone such as"
            + " Europe/Paris or UTC",
        "8:52: d > c > rate_limit.calendar: calendar needs unit day, week, month, year, was hour",
        "12:24: d > e > rate_limit: unit_multiplier cannot be used with calendar: a calendar"
            + " period is one month, was 3",
        "19:18: d > f > rate_limit: invalid limit: a calendar period (month@UTC) applies only to"
            + " FIXED_WINDOW, which counts in its windows; TOKEN_BUCKET needs a period of fixed"
            + " length",
        "22:81: d > g > rate_limit.calendar: a day always starts at local midnight; it takes no"
            + " anchor, was \"15\"",
        "24:82: d > h > rate_limit.calendar: invalid anchor \"02-30\" for a year; expected a"
            + " month and day such as 04-01, or a date such as 2026-04-01");
  }

  @Test
  void keysOfTheBlockAreCheckedAndPlacedWithHints() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: a
            rate_limit:
              unit: day
              requests_per_unit: 1
              zone: UTC
          - key: b
            rate_limit:
              unit: day
              requests_per_unit: 1
              calendar: {zon: UTC}
          - key: c
            rate_limit: {unit: day, requests_per_unit: 1, calendar: UTC}
          - key: u
            rate_limit: {unlimited: true, calendar: {zone: UTC}}
        """)).containsExactly(
        "7:7: d > a > rate_limit: config error, unknown key 'zone'; zone belongs in calendar",
        "12:18: d > b > rate_limit.calendar: config error, unknown key 'zon'; did you mean"
            + " 'zone'?",
        "14:61: d > c > rate_limit: calendar must be a map, found UTC",
        "16:35: d > u > rate_limit: should not specify calendar when unlimited");
  }
}
