package dev.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateTest {

  @Test
  void parsesCountPerUnitInEverySpelling() {
    assertThat(Rate.parse("2000/min")).isEqualTo(Rate.of(2000, Duration.ofMinutes(1)));
    assertThat(Rate.parse("2000/minute")).isEqualTo(Rate.of(2000, Duration.ofMinutes(1)));
    assertThat(Rate.parse("50/s")).isEqualTo(Rate.of(50, Duration.ofSeconds(1)));
    assertThat(Rate.parse("50/Second")).isEqualTo(Rate.of(50, Duration.ofSeconds(1)));
    assertThat(Rate.parse(" 10 per hour ")).isEqualTo(Rate.of(10, Duration.ofHours(1)));
    assertThat(Rate.parse("300/30s")).isEqualTo(Rate.of(300, Duration.ofSeconds(30)));
    assertThat(Rate.parse("2000/min")).hasToString("2000/min");
    assertThat(Rate.parse("300/30s")).hasToString("300/30s");
    assertThat(Rate.parse("300/30s").perSecond()).isEqualTo(10.0);
  }

  @Test
  void rejectsWhatIsNotARate() {
    assertThatThrownBy(() -> Rate.parse("2000/fortnight"))
        .hasMessage("unknown unit 'fortnight'; use s, sec, second, m, min, minute, h or hour");
    assertThatThrownBy(() -> Rate.parse("fast"))
        .hasMessage("expected COUNT/UNIT such as 2000/min, 50/s or 300/30s");
    assertThatThrownBy(() -> Rate.parse("-5/s")).hasMessageStartingWith("expected COUNT/UNIT");
    assertThatThrownBy(() -> Rate.parse("0/s")).hasMessage("the count must be positive, not 0");
    assertThatThrownBy(() -> Rate.parse("5/0s")).hasMessage("the period must not be 0");
    assertThatThrownBy(() -> Rate.parse("2000000/s"))
        .hasMessage("at most 1000000 requests per second");
    assertThatThrownBy(() -> Rate.parse("5/25h")).hasMessageStartingWith("the period must be");
    assertThatThrownBy(() -> Rate.parse("5/day@Europe/Paris")).hasMessage(
        "a load rate is steady: a calendar period (@zone) does not apply; use COUNT/UNIT");
    assertThatThrownBy(() -> Rate.parse("5/day@Mars/Olympus")).hasMessage(
        "a load rate is steady: a calendar period (@zone) does not apply; use COUNT/UNIT");
  }

  @Test
  void dueTimesAreExactAndEvenlySpaced() {
    Rate r = Rate.parse("3/s");
    assertThat(r.offsetNanos(0)).isZero();
    assertThat(r.offsetNanos(1)).isEqualTo(333_333_333L);
    assertThat(r.offsetNanos(2)).isEqualTo(666_666_666L);
    assertThat(r.offsetNanos(3)).isEqualTo(1_000_000_000L);
    assertThat(r.offsetNanos(3_000_000_001L)).isEqualTo(1_000_000_000_333_333_333L);
    // 2000/min: every 30 ms exactly
    Rate perMinute = Rate.parse("2000/min");
    for (long i = 0; i < 5000; i++) {
      assertThat(perMinute.offsetNanos(i)).isEqualTo(i * 30_000_000L);
    }
    // large products take the exact slow path
    Rate huge = Rate.of(999_999, Duration.ofHours(24));
    assertThat(huge.offsetNanos(999_998)).isEqualTo(86_399_913_599_913L);
  }

  @Test
  void countsTheRequestsDueWithinADuration() {
    assertThat(Rate.parse("2000/min").countWithin(Duration.ofMinutes(2))).isEqualTo(4000);
    assertThat(Rate.parse("3/s").countWithin(Duration.ofSeconds(1))).isEqualTo(3);
    assertThat(Rate.parse("3/s").countWithin(Duration.ofMillis(1000).plusNanos(1))).isEqualTo(4);
    assertThat(Rate.parse("3/s").countWithin(Duration.ofNanos(333_333_333L))).isEqualTo(1);
    assertThat(Rate.parse("3/s").countWithin(Duration.ofNanos(333_333_334L))).isEqualTo(2);
    assertThat(Rate.parse("1/h").countWithin(Duration.ofSeconds(5))).isEqualTo(1);
  }
}
