package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** count-statuses: statuses, ranges and classes, and what is not one. */
class StatusConditionTest {

  @Test
  void statusesRangesAndClasses() {
    StatusCondition c = StatusCondition.parse(" 401, 403-404 ,5XX ");
    assertThat(c.toString()).isEqualTo("401,403-404,5xx");
    assertThat(c.matches(401)).isTrue();
    assertThat(c.matches(402)).isFalse();
    assertThat(c.matches(403)).isTrue();
    assertThat(c.matches(404)).isTrue();
    assertThat(c.matches(405)).isFalse();
    assertThat(c.matches(500)).isTrue();
    assertThat(c.matches(599)).isTrue();
    assertThat(c.matches(200)).isFalse();
    assertThat(StatusCondition.parse("400-499").matches(429)).isTrue();
    assertThat(StatusCondition.parse("400-499").matches(500)).isFalse();
  }

  @Test
  void whatIsNotAStatusIsNamed() {
    assertThatThrownBy(() -> StatusCondition.parse("4xx,abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'abc' is not a status (100-599), a range (400-499) or a class (4xx)");
    assertThatThrownBy(() -> StatusCondition.parse("600"))
        .hasMessage("'600' is not a status (100-599), a range (400-499) or a class (4xx)");
    assertThatThrownBy(() -> StatusCondition.parse("6xx"))
        .hasMessage("'6xx' is not a status (100-599), a range (400-499) or a class (4xx)");
    assertThatThrownBy(() -> StatusCondition.parse("499-400"))
        .hasMessage("'499-400': the range is empty (499 > 400)");
    assertThatThrownBy(() -> StatusCondition.parse("401,,403"))
        .hasMessageStartingWith("empty entry in '401,,403'");
    assertThatThrownBy(() -> StatusCondition.parse(" "))
        .hasMessageStartingWith("no status given");
  }
}
