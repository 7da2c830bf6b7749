package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitTest {

  @ParameterizedTest(name = "\"{0}\" is {1} per {2} µs")
  @CsvSource(delimiter = '|', value = {
      "100/minute         | 100 | 60000000",
      "100/MINUTE         | 100 | 60000000",
      "100 / minute       | 100 | 60000000",
      "100 per minute     | 100 | 60000000",
      "5 per 10 seconds   | 5   | 10000000",
      "5/10s              | 5   | 10000000",
      "1/second           | 1   | 1000000",
      "7/sec              | 7   | 1000000",
      "2/h                | 2   | 3600000000",
      "3/hours            | 3   | 3600000000",
      "1000/day           | 1000| 86400000000",
      "10/week            | 10  | 604800000000",
      "10/month           | 10  | 2592000000000",
      "10/year            | 10  | 31536000000000",
      "'  42/min  '       | 42  | 60000000",
  })
  void parsesEveryUnitAndForm(String text, long count, long periodMicros) {
    Limit limit = Limit.parse(text);
    assertThat(limit.count()).isEqualTo(count);
    assertThat(limit.periodMicros()).isEqualTo(periodMicros);
    assertThat(limit.burst()).isEqualTo(count);
    assertThat(limit.algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
  }

  @Test
  void parsesLists() {
    assertThat(Limit.parseAll("10/second;1000/day"))
        .containsExactly(Limit.perSecond(10), Limit.perDay(1000));
    assertThat(Limit.parseAll("10/second")).containsExactly(Limit.perSecond(10));
  }

  @Test
  void unparsableTextNamesTheTextAndTheGrammar() {
    assertThatThrownBy(() -> Limit.parse("ten per minute"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid limit \"ten per minute\": expected <count>/<unit> or <count> per"
            + " [<n>] <unit>, e.g. \"100/minute\" or \"5 per 10 seconds\"; units: second (s, sec),"
            + " minute (min), hour (h, hr), day (d), week (w), month, year (y)");
  }

  @Test
  void unknownUnitIsNamed() {
    assertThatThrownBy(() -> Limit.parse("5/fortnight"))
        .hasMessage("invalid limit \"5/fortnight\": unknown unit \"fortnight\"; units: second"
            + " (s, sec), minute (min), hour (h, hr), day (d), week (w), month, year (y)");
  }

  @Test
  void zeroCountAndZeroPeriodAreRejected() {
    assertThatThrownBy(() -> Limit.parse("0/second"))
        .hasMessage("invalid limit \"0/second\": count must be positive, was 0");
    assertThatThrownBy(() -> Limit.parse("5 per 0 seconds"))
        .hasMessage("invalid limit \"5 per 0 seconds\": period must be positive, was 0 seconds");
    assertThatThrownBy(() -> Limit.parse("-5/second"))
        .hasMessageStartingWith("invalid limit \"-5/second\": expected <count>/<unit>");
  }

  @Test
  void listErrorsNameTheEntry() {
    assertThatThrownBy(() -> Limit.parseAll("10/second;;1000/day"))
        .hasMessage("invalid limits \"10/second;;1000/day\": empty entry; expected entries like"
            + " \"100/minute\" separated by ';'");
    assertThatThrownBy(() -> Limit.parseAll("10/second;10/fortnight"))
        .hasMessageStartingWith("invalid limit \"10/fortnight\": unknown unit \"fortnight\"");
    assertThatThrownBy(() -> Limit.parse("10/second;1000/day"))
        .hasMessage("\"10/second;1000/day\" holds several limits; use Limit.parseAll for lists"
            + " separated by ';'");
  }

  @Test
  void factoryArgumentsAreValidatedWithTheValueGiven() {
    assertThatThrownBy(() -> Limit.of(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be positive, was 0");
    assertThatThrownBy(() -> Limit.of(-3, Duration.ofSeconds(1)))
        .hasMessage("count must be positive, was -3");
    assertThatThrownBy(() -> Limit.of(5, Duration.ZERO))
        .hasMessage("period must be positive, was PT0S");
    assertThatThrownBy(() -> Limit.of(5, Duration.ofSeconds(-1)))
        .hasMessage("period must be positive, was PT-1S");
    assertThatThrownBy(() -> Limit.of(5, Duration.ofNanos(1500)))
        .hasMessage("period must be a whole number of microseconds, was PT0.0000015S");
    assertThatThrownBy(() -> Limit.of(5, Duration.ofDays(36_501)))
        .hasMessage("period must be at most PT876000H (100 years), was PT876024H");
    assertThatThrownBy(() -> Limit.of(5, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("period must not be null");
    assertThatThrownBy(() -> Limit.builder("5/second").burst(0).build())
        .hasMessage("invalid limit \"5/second\": burst must be positive, was 0");
    assertThatThrownBy(() -> Limit.perSecond(5).named(" "))
        .hasMessage("name must not be blank, was \" \"");
  }

  @Test
  void burstAppliesOnlyToBuckets() {
    assertThat(Limit.builder(5, Duration.ofSeconds(1)).burst(20).algorithm(Algorithm.GCRA).build()
        .burst()).isEqualTo(20);
    assertThatThrownBy(() -> Limit.builder(5, Duration.ofSeconds(1)).burst(20)
            .algorithm(Algorithm.FIXED_WINDOW).build())
        .hasMessage("burst applies only to TOKEN_BUCKET and GCRA; FIXED_WINDOW admits count per"
            + " period, so burst must equal count (5), was 20");
    assertThatThrownBy(() -> Limit.builder(5, Duration.ofSeconds(1))
            .algorithm(Algorithm.SLIDING_WINDOW_LOG).burst(6).build())
        .hasMessageStartingWith("burst applies only to TOKEN_BUCKET and GCRA");
    // A burst equal to the count is no burst: every algorithm accepts it.
    assertThat(Limit.builder(5, Duration.ofSeconds(1)).burst(5)
        .algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build())
        .isEqualTo(Limit.of(5, Duration.ofSeconds(1), Algorithm.SLIDING_WINDOW_COUNTER));
  }

  @Test
  void valuesBeyondExactArithmeticAreRejected() {
    assertThatThrownBy(
            () -> Limit.builderOfMicros(999_999_937, 1_000_000).burst(10_000_000).build())
        .hasMessage("burst × count / gcd(count, period in µs) must be at most 2^53"
            + " (9007199254740992) for exact arithmetic, was 10000000 × 999999937 (count"
            + " 999999937 per 1000000 µs); use a count that divides the period more evenly, or a"
            + " smaller burst");
    // Round numbers reduce: 10^9 per day is 5 fractions of a µs, whatever the burst.
    assertThat(Limit.builder("1000000000/day").burst(1_000_000_000).build().burst())
        .isEqualTo(1_000_000_000);
    assertThat(Limit.of(1L << 40, Duration.ofSeconds(1), Algorithm.FIXED_WINDOW).count())
        .isEqualTo(1L << 40);
    assertThat(Limit.builderOfMicros(999_999_937, 1_000_000).burst(9_000_000)
        .algorithm(Algorithm.GCRA).build().burst())
        .isEqualTo(9_000_000);
    assertThat(Limit.ofMicros(999_999_937, 1_000_000, 999_999_937, Algorithm.FIXED_WINDOW)
        .count())
        .isEqualTo(999_999_937);
    assertThatThrownBy(() -> Limit.of(1L << 54, Duration.ofDays(1), Algorithm.FIXED_WINDOW))
        .hasMessage("count must be at most 2^53 (9007199254740992), was 18014398509481984");
    assertThatThrownBy(() -> Limit.builder(1, Duration.ofDays(1)).burst(60_000).build())
        .hasMessageStartingWith("burst × period / count (the time to refill the burst) must be"
            + " below 2^52 µs (about 142 years)");
    assertThatThrownBy(() -> Limit.of(2_000_000, Duration.ofDays(1), Algorithm.SLIDING_WINDOW_LOG))
        .hasMessage("SLIDING_WINDOW_LOG keeps every admitted request, so count must be at most"
            + " 1000000, was 2000000; use SLIDING_WINDOW_COUNTER for larger counts");
    assertThat(Limit.builder("10000000/second").burst(100_000_000).build().capacity())
        .isEqualTo(100_000_000);
  }

  @Test
  void namesDefaultToTheCanonicalRate() {
    assertThat(Limit.parse("100 per minute").name()).isEqualTo("100/minute");
    assertThat(Limit.parse("5 per 10 seconds").name()).isEqualTo("5/10seconds");
    assertThat(Limit.of(3, Duration.ofMillis(1500)).name()).isEqualTo("3/1500000us");
    assertThat(Limit.parse("100/minute").named("api").name()).isEqualTo("api");
  }

  @Test
  void equalityCoversEveryField() {
    Limit a = Limit.parse("10/second");
    assertThat(a).isEqualTo(Limit.perSecond(10)).hasSameHashCodeAs(Limit.perSecond(10));
    assertThat(List.of(a.toBuilder().burst(11).build(),
        a.toBuilder().algorithm(Algorithm.GCRA).build(), a.named("x"), Limit.perSecond(11),
        Limit.perMinute(10))).doesNotContain(a);
  }
}
