package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.RateLimiter;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each {@link Mix} gives every contender the answer it promises (all admitted, or all denied), as
 * the benchmarks build them: otherwise the contenders would not be running the same path. Under
 * DENY this also proves that setup took each key's only permit.
 */
class MixTest {
  private static final String[] KEYS = Workload.keyNames(3);
  private static final int CALLS_PER_KEY = 1_000;

  @ParameterizedTest
  @EnumSource(Mix.class)
  void everyRivalGivesTheMixsAnswer(Mix mix) {
    var bucket4j = Contenders.bucket4j(KEYS, mix);
    var resilience4j = Contenders.resilience4j(KEYS, mix);
    var guava = Contenders.guava(KEYS, mix);
    assertAnswers(mix, "Bucket4j", key -> bucket4j.get(key).tryConsume(1));
    assertAnswers(mix, "Resilience4j", key -> resilience4j.get(key).acquirePermission());
    assertAnswers(mix, "Guava", key -> guava.get(key).tryAcquire());
  }

  @ParameterizedTest
  @EnumSource(Mix.class)
  void everySluiceAlgorithmGivesTheMixsAnswer(Mix mix) {
    for (Algorithm algorithm : Algorithm.values()) {
      for (String[] keys : new String[][] {Workload.keyNames(1), KEYS}) {
        RateLimiter limiter = Contenders.sluice(keys, mix, algorithm);
        assertAnswers(mix, "Sluice " + algorithm + " on " + keys.length + " keys",
            key -> limiter.tryAcquire(key).allowed(), keys);
      }
    }
  }

  private static void assertAnswers(Mix mix, String who, Predicate<String> acquire) {
    assertAnswers(mix, who, acquire, KEYS);
  }

  private static void assertAnswers(Mix mix, String who, Predicate<String> acquire,
      String[] keys) {
    boolean admit = mix != Mix.DENY;
    int matching = 0;
    for (int i = 0; i < CALLS_PER_KEY; i++) {
      for (String key : keys) {
        if (acquire.test(key) == admit) {
          matching++;
        }
      }
    }
    assertThat(matching).as("%s under %s: calls %s", who, mix, admit ? "admitted" : "denied")
        .isEqualTo(CALLS_PER_KEY * keys.length);
  }
}
