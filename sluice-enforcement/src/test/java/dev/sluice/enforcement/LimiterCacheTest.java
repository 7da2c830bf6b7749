package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One limiter per set of limits and mode, at most a bounded number, dropped when not live. */
class LimiterCacheTest {

  private final MemoryBackend backend = MemoryBackend.create();
  private final List<LimiterCache.Key> built = new ArrayList<>();

  private LimiterCache cache(int max) {
    return new LimiterCache(max, (k, predecessor) -> {
      built.add(k);
      return RateLimiter.create(backend, k.limits());
    });
  }

  @AfterEach
  void close() {
    backend.close();
  }

  private static List<Limit> perSecond(long n) {
    return List.of(Limit.perSecond(n));
  }

  @Test
  void oneLimiterPerLimitsAndModeBuiltOnce() {
    LimiterCache cache = cache(10);
    RateLimiter a = cache.get(perSecond(1), false);
    assertThat(cache.get(perSecond(1), false)).isSameAs(a);
    assertThat(cache.get(perSecond(1), true)).isNotSameAs(a);
    assertThat(cache.size()).isEqualTo(2);
    assertThat(built).containsExactly(new LimiterCache.Key(perSecond(1), false),
        new LimiterCache.Key(perSecond(1), true));
  }

  @Test
  void pastTheBoundTheLeastRecentlyUsedGoes() {
    LimiterCache cache = cache(2);
    RateLimiter one = cache.get(perSecond(1), false);
    cache.get(perSecond(2), false);
    cache.get(perSecond(1), false); // used again: 2 is now the least recent
    cache.get(perSecond(3), false);
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.contains(perSecond(1), false)).isTrue();
    assertThat(cache.contains(perSecond(2), false)).isFalse();
    assertThat(cache.contains(perSecond(3), false)).isTrue();
    assertThat(cache.get(perSecond(1), false)).isSameAs(one);
    for (int i = 10; i < 100; i++) {
      cache.get(perSecond(i), i % 2 == 0);
    }
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.contains(perSecond(99), false)).isTrue();
  }

  @Test
  void retainDropsWhatIsNotLive() {
    LimiterCache cache = cache(10);
    cache.get(perSecond(1), false);
    cache.get(perSecond(2), false);
    cache.get(perSecond(2), true);
    assertThat(cache.retain(k -> k.eventual())).isEqualTo(2);
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.contains(perSecond(2), true)).isTrue();
  }

  @Test
  void theBoundMustBePositive() {
    assertThatThrownBy(() -> cache(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxSize must be positive, was 0");
    assertThat(cache(3).maxSize()).isEqualTo(3);
  }
}
