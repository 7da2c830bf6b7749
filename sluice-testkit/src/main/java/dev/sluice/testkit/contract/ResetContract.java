package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.spi.KeyedLimits;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RateLimiter#reset} and {@link KeyedLimits#reset}: the key's state under the limiter's
 * limits is forgotten, all limits at once; its next request sees every limit full, exactly as a
 * key never seen. Other keys, and the same key under other limits, keep their state. Resetting a
 * key without state does nothing.
 */
public abstract class ResetContract extends AbstractContract {

  static Stream<Arguments> algorithmPairs() {
    return Stream.of(Algorithm.values())
        .flatMap(a -> Stream.of(Algorithm.values()).map(b -> Arguments.of(a, b)));
  }

  /** Drives a reset key and a fresh one alike: every decision is the same. */
  private void assertBehavesAsAFreshKey(Key reset, Key fresh, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int step = 0; step < 30; step++) {
      long k = rnd.nextInt(4);
      assertThat(reset.acquire(k)).as("step %d: %d permits at %d µs", step, k, now())
          .isEqualTo(fresh.acquire(k));
      if (rnd.nextBoolean()) {
        clock.advanceMicros(rnd.nextLong(700_000));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aResetKeyAnswersExactlyAsAKeyNeverSeen(Algorithm algorithm) {
    Limit limit = Limit.builder("3/second").algorithm(algorithm).build();
    RateLimiter limiter = limiter(limit);
    Key key = new Key(limiter, newKey());
    at(0);
    assertThat(key.acquire(3).allowed()).isTrue();
    at(200_000);
    assertThat(key.acquire().allowed()).isFalse();
    limiter.reset(key.name());
    assertAllowed(key.check(), 3, 0);
    assertBehavesAsAFreshKey(key, new Key(limiter, newKey()), algorithm.ordinal());
  }

  @ParameterizedTest(name = "per-second {0}, per-minute {1}")
  @MethodSource("algorithmPairs")
  void aResetForgetsEveryLimitOfTheKey(Algorithm a, Algorithm b) {
    Limit perSecond = Limit.builder("2/second").algorithm(a).name("per-second").build();
    Limit perMinute = Limit.builder("5/minute").algorithm(b).name("per-minute").build();
    RateLimiter limiter = limiter(perSecond, perMinute);
    Key key = new Key(limiter, newKey());
    at(0);
    key.acquire(2);
    at(2 * SECOND);
    key.acquire(2); // per-second empty, per-minute 1 left
    assertThat(key.acquire(2).allowed()).isFalse();
    limiter.reset(key.name());
    Key fresh = new Key(limiter, newKey());
    assertThat(key.check()).isEqualTo(fresh.check());
    Decision d = key.acquire(2); // both limits had to forget
    assertThat(d.allowed()).isTrue();
    assertThat(d).isEqualTo(fresh.acquire(2));
    assertBehavesAsAFreshKey(key, fresh, 31L * a.ordinal() + b.ordinal());
  }

  @Test
  void aResetForgetsOnlyThatKey() {
    RateLimiter limiter = limiter(Limit.perSecond(3));
    Key reset = new Key(limiter, newKey());
    Key kept = new Key(limiter, newKey());
    at(0);
    reset.acquire(2);
    kept.acquire(2);
    limiter.reset(reset.name());
    assertAllowed(reset.check(), 3, 0);
    assertAllowed(kept.check(), 1, 666_667);
    assertAllowed(kept.acquire(), 0, SECOND);
    assertDenied(kept.acquire(), 0, SECOND, 333_334);
  }

  @Test
  void aResetForgetsTheKeyOnlyUnderTheLimitersOwnLimits() {
    RateLimiter perSecond = limiter(Limit.perSecond(3));
    RateLimiter perMinute =
        limiter(Limit.builder("5/minute").algorithm(Algorithm.FIXED_WINDOW).build());
    String key = newKey();
    at(0);
    perSecond.tryAcquire(key, 3);
    perMinute.tryAcquire(key, 5);
    perSecond.reset(key);
    assertAllowed(perSecond.tryAcquire(key, 0), 3, 0);
    assertDenied(perMinute.tryAcquire(key), 0, MINUTE, MINUTE);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aResetForgetsDebt(Algorithm algorithm) throws Exception {
    KeyedLimits limits =
        keyedLimits(Limit.builder("10/second").burst(1).algorithm(algorithm).build());
    String key = newKey();
    at(0);
    for (int i = 0; i < 3; i++) {
      assertThat(limits.reserve(key, 1, SECOND).waitMicros()).isEqualTo(i * 100_000L);
    }
    limits.resetAsync(key).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertAllowed(limits.acquire(key, 0), 1, 0);
    assertThat(limits.reserve(key, 1, SECOND).waitMicros()).isZero();
    assertThat(limits.reserve(key, 1, SECOND).waitMicros()).isEqualTo(100_000);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aResetOfAKeyWithoutStateDoesNothing(Algorithm algorithm) {
    Limit limit = Limit.builder("3/second").algorithm(algorithm).build();
    KeyedLimits limits = keyedLimits(limit);
    String key = newKey();
    at(0);
    limits.reset(key);
    limits.reset(key);
    assertAllowed(limits.acquire(key, 0), 3, 0);
    assertThat(limits.acquire(key, 3).allowed()).isTrue();
    assertThat(limits.acquire(key, 1).allowed()).isFalse();
    limits.reset(key);
    limits.reset(key);
    assertAllowed(limits.acquire(key, 0), 3, 0);
  }

  @Test
  void invalidArgumentsAreRejectedAtTheCall() {
    RateLimiter limiter = limiter(Limit.perSecond(3));
    assertThatThrownBy(() -> limiter.reset(null))
        .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
    assertThatThrownBy(() -> limiter.reset(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
  }
}
