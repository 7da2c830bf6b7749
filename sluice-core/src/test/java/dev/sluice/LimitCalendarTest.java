package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Limits with a calendar period: built, written as text, read back, and refused. */
class LimitCalendarTest {

  @Test
  void aCalendarLimitIsAFixedWindowWithTheUnitsNominalPeriod() {
    CalendarPeriod billing = CalendarPeriod.month().zone("Europe/Paris").anchorDay(15);
    Limit limit = Limit.builder(1000, billing).build();
    assertThat(limit.algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
    assertThat(limit.calendar()).contains(billing);
    assertThat(limit.period()).isEqualTo(Duration.ofDays(30));
    assertThat(limit.count()).isEqualTo(1000);
    assertThat(limit.rateText()).isEqualTo("1000/month@Europe/Paris anchor 15");
    assertThat(limit.name()).isEqualTo("1000/month@Europe/Paris anchor 15");
    assertThat(limit).hasToString("Limit[1000/month@Europe/Paris anchor 15, FIXED_WINDOW]");
    assertThat(limit.toBuilder().build()).isEqualTo(limit);
    assertThat(limit.named("tenant")).satisfies(l -> {
      assertThat(l.calendar()).contains(billing);
      assertThat(l.name()).isEqualTo("tenant");
    });
    assertThat(Limit.builder(1000, billing.anchorDay(1)).build()).isNotEqualTo(limit);
    assertThat(Limit.builder(1000, Duration.ofDays(30)).algorithm(Algorithm.FIXED_WINDOW).build())
        .isNotEqualTo(limit);
    assertThat(Limit.builder(1000, billing).build().hashCode()).isEqualTo(limit.hashCode());
  }

  @Test
  void textWithAZoneAfterTheUnitIsACalendarPeriod() {
    assertThat(Limit.parse("1000/month@Europe/Paris anchor 15"))
        .isEqualTo(Limit.builder(1000, CalendarPeriod.month().zone("Europe/Paris").anchorDay(15))
            .build());
    assertThat(Limit.parse("100 per day @ America/New_York"))
        .isEqualTo(Limit.builder(100, CalendarPeriod.day().zone("America/New_York")).build());
    assertThat(Limit.parse("5/w@UTC anchor Sunday"))
        .isEqualTo(Limit.builder(5, CalendarPeriod.week().anchor(DayOfWeek.SUNDAY)).build());
    assertThat(Limit.parse("7/years@Asia/Tokyo anchor 04-01").rateText())
        .isEqualTo("7/year@Asia/Tokyo anchor 04-01");
    assertThat(Limit.parse("3/1day@+05:30").rateText()).isEqualTo("3/day@+05:30");
    for (String text : new String[] {"1000/month@Europe/Paris anchor 15", "1/day@UTC",
        "9/week@Europe/Paris anchor friday", "2/year@UTC anchor 02-29"}) {
      assertThat(Limit.parse(text).rateText()).isEqualTo(text);
    }
    // lists: each entry with its own default algorithm
    assertThat(Limit.parseAll("10/second;1000/day@Europe/Paris")).satisfiesExactly(
        l -> assertThat(l.algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET),
        l -> assertThat(l.algorithm()).isEqualTo(Algorithm.FIXED_WINDOW));
    // without a zone, a month is 30 days, as envoy's
    assertThat(Limit.parse("10/month").calendar()).isEmpty();
  }

  @Test
  void onlyTheFixedWindowCountsInCalendarWindows() {
    CalendarPeriod day = CalendarPeriod.day().zone("Europe/Paris");
    assertThatThrownBy(() -> Limit.builder(10, day).algorithm(Algorithm.TOKEN_BUCKET).build())
        .isInstanceOfSatisfying(InvalidLimitException.class,
            e -> assertThat(e.field()).isEqualTo(InvalidLimitException.Field.ALGORITHM))
        .hasMessage("a calendar period (day@Europe/Paris) applies only to FIXED_WINDOW, which"
            + " counts in its windows; TOKEN_BUCKET needs a period of fixed length");
    assertThatThrownBy(() -> Limit.parse("10/day@Europe/Paris", Algorithm.SLIDING_WINDOW_LOG))
        .hasMessage("invalid limit \"10/day@Europe/Paris\": a calendar period (day@Europe/Paris)"
            + " applies only to FIXED_WINDOW, which counts in its windows; SLIDING_WINDOW_LOG"
            + " needs a period of fixed length");
    assertThatThrownBy(() -> Limit.builder(0, day).build())
        .hasMessage("count must be positive, was 0");
    assertThatThrownBy(() -> Limit.builder(10, day).burst(20).build())
        .hasMessageContaining("burst applies only to TOKEN_BUCKET and GCRA");
  }

  @Test
  void badCalendarTextIsNamed() {
    assertThatThrownBy(() -> Limit.parse("10/day@Mars/Olympus"))
        .isInstanceOfSatisfying(LimitSyntaxException.class, e -> {
          assertThat(e.problem()).isEqualTo(LimitSyntaxException.Problem.CALENDAR);
          assertThat(e.part()).isEqualTo("Mars/Olympus");
        })
        .hasMessage("invalid limit \"10/day@Mars/Olympus\": unknown time zone \"Mars/Olympus\";"
            + " expected a region such as Europe/Paris or America/New_York, UTC, or an offset"
            + " such as +05:30");
    assertThatThrownBy(() -> Limit.parse("10/hour@Europe/Paris"))
        .hasMessage("invalid limit \"10/hour@Europe/Paris\": a calendar period is a day, week,"
            + " month or year, was \"hour\"");
    assertThatThrownBy(() -> Limit.parse("10/2months@Europe/Paris"))
        .hasMessage("invalid limit \"10/2months@Europe/Paris\": a calendar period is one month,"
            + " was 2 months");
    assertThatThrownBy(() -> Limit.parse("10/month@UTC anchor 32"))
        .hasMessage("invalid limit \"10/month@UTC anchor 32\": invalid anchor \"32\" for a month;"
            + " expected a day of the month from 1 to 31 (a day past a month's end means its last"
            + " day) or a date such as 2026-01-15");
    assertThatThrownBy(() -> Limit.parse("10/day@UTC anchor 15"))
        .hasMessage("invalid limit \"10/day@UTC anchor 15\": a day always starts at local"
            + " midnight; it takes no anchor, was \"15\"");
  }
}
