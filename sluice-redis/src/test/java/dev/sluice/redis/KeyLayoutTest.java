package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Given user keys and limits, the Redis key names: distinct, one hash tag per user key. */
class KeyLayoutTest {

  private static final Limit PER_SECOND = Limit.perSecond(10);

  @Test
  void layoutIsPrefixTagAndLimitIdentity() {
    KeyLayout layout = new KeyLayout("app:", List.of(PER_SECOND,
        Limit.builder("100/minute").algorithm(Algorithm.GCRA).burst(5).name("api").build()));
    assertThat(layout.keys("user:42")).containsExactly(
        "app:{user:42}:tb:10:1000000:10:10/second",
        "app:{user:42}:gcra:100:60000000:5:api");
  }

  @Test
  void bracesAndPercentAreEscapedSoKeysCannotCollideOrPickTheirSlot() {
    KeyLayout layout = new KeyLayout("", List.of(PER_SECOND));
    assertThat(layout.keys("a}b{c%")[0]).startsWith("{a%7Db%7Bc%25}:");
    Set<String> names = new HashSet<>();
    for (String k : List.of("a", "a%7D", "a}", "a%", "a%25", "{a}", "%7Ba%7D", "a:b", "a}:b")) {
      assertThat(names.add(layout.keys(k)[0])).as(k).isTrue();
    }
    // The hash tag is always the whole escaped key: exactly one '{' ... '}' pair, ours.
    String name = layout.keys("}{evil}")[0];
    assertThat(name.indexOf('{')).isZero();
    assertThat(name.substring(1, name.indexOf('}'))).isEqualTo("%7D%7Bevil%7D");
  }

  @Test
  void twoLimitsOnOneKeyNeverShareState() {
    Limit a = Limit.perSecond(10);
    KeyLayout layout = new KeyLayout("", List.of(a, a,
        a.toBuilder().algorithm(Algorithm.FIXED_WINDOW).build(), a.named("other")));
    assertThat(Set.of(layout.keys("k"))).hasSize(4);
    assertThat(layout.keys("k")[1]).endsWith("#2");
  }

  @Test
  void prefixMustNotHoldBraces() {
    assertThatThrownBy(() -> new KeyLayout("a{b", List.of(PER_SECOND)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> RedisBackend.builder("redis://h").keyPrefix("}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
