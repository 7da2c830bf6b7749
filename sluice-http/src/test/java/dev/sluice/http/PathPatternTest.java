package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one path pattern syntax, as rule routes ({@code /api/*}{@code /items}, {@code /pizza/**})
 * and the servlet filter's costs ({@code /search/**}, {@code /free}) both rely on.
 */
class PathPatternTest {

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource(delimiterString = "|", textBlock = """
      /free            | /free              | true
      /free            | /free/             | false
      /free            | /FREE              | false
      /free            | /freedom           | false
      /api/*/items     | /api/v1/items      | true
      /api/*/items     | /api//items        | true
      /api/*/items     | /api/v1/x/items    | false
      /pizza/**        | /pizza/margherita  | true
      /pizza/**        | /pizza/a/b/c       | true
      /pizza/**        | /pizza/            | true
      /pizza/**        | /pizza             | false
      /search/**       | /search/pizza      | true
      /search/**       | /home              | false
      /**              | /                  | true
      /**              | /anything/at/all   | true
      /files/*.pdf     | /files/a.pdf       | true
      /files/*.pdf     | /files/.pdf        | true
      /files/*.pdf     | /files/apdf        | false
      /files/*.pdf     | /files/a/b.pdf     | false
      /a+b(c)?[d]$     | /a+b(c)?[d]$       | true
      /a+b(c)?[d]$     | /aab(c)[d]         | false
      /x/\\Q*\\E       | /x/\\Qanything\\E  | true
      /v*/*            | /v1/users          | true
      /v*/*            | /v1/users/7        | false
      /***             | /a/b               | true
      """)
  void matchesTheWholePath(String glob, String path, boolean matches) {
    assertThat(PathPattern.compile(glob).matches(path)).isEqualTo(matches);
  }

  @Test
  void doubleStarMatchesLineBreaksSingleStarStopsOnlyAtSlashes() {
    assertThat(PathPattern.compile("/a/**").matches("/a/b\nc/d")).isTrue();
    assertThat(PathPattern.compile("/a/*").matches("/a/b\nc")).isTrue();
    assertThat(PathPattern.compile("/a/*").matches("/a/b\n/c")).isFalse();
  }

  @Test
  void patternsAreValuesOfTheirText() {
    assertThat(PathPattern.compile("/a/**")).isEqualTo(PathPattern.compile("/a/**"))
        .hasSameHashCodeAs(PathPattern.compile("/a/**")).hasToString("/a/**");
    assertThat(PathPattern.compile("/a/**").glob()).isEqualTo("/a/**");
    assertThat(PathPattern.compile("/a/*")).isNotEqualTo(PathPattern.compile("/a/**"));
  }
}
