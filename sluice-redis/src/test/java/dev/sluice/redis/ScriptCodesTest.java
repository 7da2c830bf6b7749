package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java side and each algorithm's Lua file agree on its wire code, and codes are distinct. */
class ScriptCodesTest {

  private static final Pattern ENTRY = Pattern.compile("(?m)^ALG\\[(\\d+)] = \\{");

  @Test
  void everyAlgorithmRegistersUnderItsOwnCode() {
    Set<Integer> seen = new HashSet<>();
    for (Algorithm algorithm : Algorithm.values()) {
      String text = Script.forAlgorithms(EnumSet.of(algorithm)).text;
      Matcher m = ENTRY.matcher(text);
      assertThat(m.find()).as("ALG entry in the script of %s", algorithm).isTrue();
      assertThat(Integer.parseInt(m.group(1))).as(algorithm.name()).isEqualTo(Script.code(algorithm));
      assertThat(m.find()).as("one ALG entry for %s", algorithm).isFalse();
      assertThat(seen.add(Script.code(algorithm))).as("distinct code of %s", algorithm).isTrue();
    }
  }
}
