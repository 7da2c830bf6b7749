package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keys are opaque strings: two keys that differ in any character never share state, whatever
 * characters they hold (separators, Redis hash-tag braces, glob characters, escapes, Unicode,
 * control characters, great length). Invalid arguments fail at the call.
 */
public abstract class KeyContract extends AbstractContract {

  /** Appended to a fresh prefix; each pair differs in one place only. */
  static final List<String> SUFFIXES = List.of(
      "", "user:1", "user:2", "user:10", "user:1 ", " user:1", "USER:1", "user:01", "user::1",
      "{user}:1", "{user:1}", "user}:{1", "user:1{", "}", "{}", "user:1:TOKEN_BUCKET",
      "TOKEN_BUCKET:user:1", "*", "?", "[a]", "\\", "user\\:1", "%", "%25", "\"", "'", "ключ",
      "鍵", "🔑", "e\u0301", "é", "a\nb", "a\rb", "a\tb", "a\u0000b", "a".repeat(10_000));

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void keysThatDifferInAnyCharacterNeverShareState(Algorithm algorithm) {
    RateLimiter limiter = limiter(Limit.builder("2/hour").algorithm(algorithm).build());
    String prefix = newKey();
    List<Key> keys = new ArrayList<>();
    for (String suffix : SUFFIXES) {
      keys.add(new Key(limiter, prefix + suffix));
    }
    at(0);
    for (Key key : keys) {
      assertAllowed(key.acquire(), 1, expectedReset(algorithm, 1));
    }
    for (Key key : keys) {
      assertAllowed(key.acquire(), 0, expectedReset(algorithm, 2));
    }
    for (Key key : keys) {
      Decision d = key.acquire();
      assertThat(d.allowed()).as("third request on %s", key.name()).isFalse();
      assertThat(d.remaining()).isZero();
    }
  }

  /** resetAfter at T0 after {@code taken} of 2 per hour. */
  private static long expectedReset(Algorithm algorithm, long taken) {
    return switch (algorithm) {
      case TOKEN_BUCKET, GCRA -> taken * 30 * MINUTE;
      case FIXED_WINDOW, SLIDING_WINDOW_LOG -> HOUR;
      case SLIDING_WINDOW_COUNTER -> 2 * HOUR;
    };
  }

  @Test
  void invalidArgumentsAreRejectedAtTheCall() {
    RateLimiter limiter = limiter(Limit.perSecond(3));
    String key = newKey();
    assertThatThrownBy(() -> limiter.tryAcquire(null, 1))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> limiter.tryAcquire("", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> limiter.tryAcquire(key, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> limiter.tryAcquireAsync(null, 1))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> limiter.tryAcquireAsync(key, -1))
        .isInstanceOf(IllegalArgumentException.class);
    // Nothing was consumed by the rejected calls.
    assertAllowed(limiter.tryAcquire(key, 3), 0, SECOND);
  }
}
