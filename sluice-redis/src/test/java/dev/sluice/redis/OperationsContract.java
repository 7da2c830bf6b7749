package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.ManualSleeper;
import dev.sluice.RateLimiter;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reserve, refund and reset on a real server with a {@link ManualClock}, per algorithm and over
 * several limits, with the exact numbers of {@code /work/SEMANTICS.md}: waits into debt, denials
 * that write nothing, refunds per algorithm with their TTLs, keys that are never created, resets of
 * every limit, the order of a coalesced batch, and the {@link RateLimiter} facade waiting and
 * refunding on Redis. Run on a standalone server, the Cluster and a Sentinel group.
 */
@ExtendWith(RealRedis.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OperationsContract {

  /** A whole second, so windows start at START. */
  private static final long START = 1_700_000_000_000_000L;
  private static final String PREFIX = "ops:";
  private static final long MARGIN_MS = 1_000;

  private final ManualClock clock = new ManualClock(START);
  private RedisBackend redis;
  private int run;

  /** The server under test. */
  abstract String uri();

  /** The node holding {@code redisKey} (the master of its slot). */
  abstract RedisNode nodeOf(String redisKey);

  @BeforeAll
  void start() {
    redis = RedisBackend.builder(uri()).clock(clock).keyPrefix(PREFIX)
        .clockSkewAllowance(Duration.ofMillis(MARGIN_MS)).timeout(Duration.ofSeconds(5))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
  }

  @AfterAll
  void stop() {
    redis.close();
  }

  @BeforeEach
  void rewind() {
    clock.setMicros(START);
  }

  private String key() {
    return "u" + (run++) + ":" + System.nanoTime();
  }

  private String[] stateKeys(List<Limit> limits, String key) {
    return new KeyLayout(PREFIX, limits).keys(key);
  }

  private boolean exists(String redisKey) {
    return nodeOf(redisKey).commands().exists(redisKey) == 1;
  }

  private long pttl(String redisKey) {
    return nodeOf(redisKey).commands().pttl(redisKey);
  }

  private static Limit perSecond(long count, Algorithm a) {
    return Limit.builderOfMicros(count, 1_000_000).algorithm(a).build();
  }

  @ParameterizedTest
  @EnumSource(names = {"TOKEN_BUCKET", "GCRA"})
  void bucketsReserveIntoDebtWithExactWaits(Algorithm a) {
    Limit limit = perSecond(3, a); // T = 333,333⅓ µs
    KeyedLimits l = redis.open(List.of(limit));
    String key = key();
    assertThat(l.reserve(key, 3, 0))
        .isEqualTo(Reservation.immediate(Decision.allowed(limit, 0, 1_000_000)));
    // due in 333,333⅓ µs: a wait of at most 333,333 is denied as acquire denies, writing nothing
    assertThat(l.reserve(key, 1, 333_333))
        .isEqualTo(Reservation.immediate(Decision.denied(limit, 0, 1_000_000, 333_334)));
    assertThat(l.acquire(key, 0)).isEqualTo(Decision.allowed(limit, 0, 1_000_000));
    assertThat(l.reserve(key, 1, 333_334))
        .isEqualTo(new Reservation(Decision.allowed(limit, 0, 1_333_334), 333_334));
    // debt 1,333,333⅓ + 2T - 3T = exactly 1 s
    assertThat(l.reserve(key, 2, 1_000_000))
        .isEqualTo(new Reservation(Decision.allowed(limit, 0, 2_000_000), 1_000_000));
    assertThat(l.acquire(key, 1)).isEqualTo(Decision.denied(limit, 0, 2_000_000, 1_333_334));
    String stateKey = stateKeys(List.of(limit), key)[0];
    assertThat(pttl(stateKey)).isBetween(2_000L + MARGIN_MS - 100, 2_000L + MARGIN_MS);

    clock.advanceMicros(1_000_000);
    assertThat(l.acquire(key, 0)).isEqualTo(Decision.allowed(limit, 0, 1_000_000));
    clock.advanceMicros(333_333);
    assertThat(l.acquire(key, 1)).isEqualTo(Decision.denied(limit, 0, 666_667, 1));
    clock.advanceMicros(1);
    assertThat(l.acquire(key, 1)).isEqualTo(Decision.allowed(limit, 0, 1_000_000));
    // more than the burst is never reservable; zero permits is a check
    assertThat(l.reserve(key, 4, Long.MAX_VALUE))
        .isEqualTo(Reservation.immediate(Decision.denied(limit, 0, 1_000_000, Long.MAX_VALUE)));
    assertThat(l.reserve(key, 0, Long.MAX_VALUE))
        .isEqualTo(Reservation.immediate(Decision.allowed(limit, 0, 1_000_000)));
  }

  @ParameterizedTest
  @EnumSource(names = {"FIXED_WINDOW", "SLIDING_WINDOW_LOG", "SLIDING_WINDOW_COUNTER"})
  void windowsReserveOnlyWhatFitsNow(Algorithm a) {
    Limit limit = perSecond(3, a);
    KeyedLimits l = redis.open(List.of(limit));
    String key = key();
    clock.advanceMicros(400_000);
    Reservation first = l.reserve(key, 3, 10_000_000);
    assertThat(first.waitMicros()).isZero();
    assertThat(first.decision().allowed()).isTrue();
    Decision acquireWouldSay = l.acquire(key, 1);
    assertThat(acquireWouldSay.allowed()).isFalse();
    assertThat(l.reserve(key, 1, 10_000_000)).isEqualTo(Reservation.immediate(acquireWouldSay));
    assertThat(l.acquire(key, 0).remaining()).isZero();
    clock.advanceMicros(acquireWouldSay.retryAfterMicros());
    assertThat(l.reserve(key, 1, 10_000_000).decision().allowed()).isTrue();
  }

  @Test
  void severalLimitsReserveAllOrNothing() {
    Limit bucket = Limit.ofMicros(2, 1_000_000); // T = 0.5 s
    Limit window = Limit.builderOfMicros(5, 10_000_000).algorithm(Algorithm.FIXED_WINDOW).build();
    List<Limit> limits = List.of(bucket, window);
    KeyedLimits l = redis.open(limits);
    String key = key();
    assertThat(l.reserve(key, 2, 0))
        .isEqualTo(Reservation.immediate(Decision.allowed(bucket, 0, 1_000_000)));
    // the bucket goes into debt (wait 1 s), the window admits now: the bucket decides
    assertThat(l.reserve(key, 2, 1_000_000))
        .isEqualTo(new Reservation(Decision.allowed(bucket, 0, 2_000_000), 1_000_000));
    // the window has 1 left: denied as acquire denies, and the bucket's debt is unchanged
    Decision denial = l.acquire(key, 2);
    assertThat(denial).isEqualTo(Decision.denied(window, 1, 10_000_000, 10_000_000));
    assertThat(l.reserve(key, 2, Long.MAX_VALUE)).isEqualTo(Reservation.immediate(denial));
    // both have 0 left: the later reset (the window's) reports
    assertThat(l.reserve(key, 1, Long.MAX_VALUE))
        .isEqualTo(new Reservation(Decision.allowed(window, 0, 10_000_000), 1_500_000));
    String[] keys = stateKeys(limits, key);
    assertThat(pttl(keys[0])).isBetween(2_500L + MARGIN_MS - 100, 2_500L + MARGIN_MS);
    assertThat(pttl(keys[1])).isBetween(10_000L + MARGIN_MS - 100, 10_000L + MARGIN_MS);
  }

  @ParameterizedTest
  @EnumSource(names = {"TOKEN_BUCKET", "GCRA"})
  void bucketRefundsMoveTheBucketForwardAndRecomputeTheTtl(Algorithm a) {
    Limit limit = Limit.builderOfMicros(1, 60_000_000).burst(10).algorithm(a).build();
    KeyedLimits l = redis.open(List.of(limit));
    String key = key();
    String stateKey = stateKeys(List.of(limit), key)[0];
    assertThat(l.acquire(key, 10).allowed()).isTrue();
    assertThat(pttl(stateKey)).isBetween(600_000L + MARGIN_MS - 100, 600_000L + MARGIN_MS);
    assertThat(l.refund(key, 9)).isEqualTo(Decision.allowed(limit, 9, 60_000_000));
    assertThat(pttl(stateKey)).isBetween(60_000L + MARGIN_MS - 100, 60_000L + MARGIN_MS);
    // a reservation in debt, then its refund: back to where it was
    assertThat(l.reserve(key, 10, Long.MAX_VALUE))
        .isEqualTo(new Reservation(Decision.allowed(limit, 0, 660_000_000), 60_000_000));
    assertThat(l.refund(key, 10)).isEqualTo(Decision.allowed(limit, 9, 60_000_000));
    // more than the bucket misses: full, the key is gone
    assertThat(l.refund(key, 1_000)).isEqualTo(Decision.allowed(limit, 10, 0));
    assertThat(exists(stateKey)).isFalse();
  }

  @Test
  void fixedWindowRefundsOnlyTheCurrentWindow() {
    Limit limit = perSecond(3, Algorithm.FIXED_WINDOW);
    KeyedLimits l = redis.open(List.of(limit));
    String key = key();
    String stateKey = stateKeys(List.of(limit), key)[0];
    clock.advanceMicros(100_000);
    assertThat(l.acquire(key, 3).allowed()).isTrue();
    assertThat(l.refund(key, 2)).isEqualTo(Decision.allowed(limit, 2, 900_000));
    assertThat(l.refund(key, 5)).isEqualTo(Decision.allowed(limit, 3, 0));
    assertThat(exists(stateKey)).isFalse();
    assertThat(l.acquire(key, 2).allowed()).isTrue();
    clock.advanceMicros(1_000_000); // the 2 were counted in a window that is over
    assertThat(l.acquire(key, 1).allowed()).isTrue();
    assertThat(l.refund(key, 5)).isEqualTo(Decision.allowed(limit, 3, 0)); // only this one's 1
    assertThat(exists(stateKey)).isFalse();
    assertThat(l.acquire(key, 2).allowed()).isTrue();
    clock.advanceMicros(1_000_000);
    // nothing to give back, and nothing left: the key is forgotten (as the memory backend does)
    assertThat(l.refund(key, 1)).isEqualTo(Decision.allowed(limit, 3, 0));
    assertThat(exists(stateKey)).isFalse();
  }

  @Test
  void aRefundForgetsTheKeyOnlyWhenEveryLimitIsEmpty() {
    Limit bucket = Limit.builderOfMicros(2, 1_000_000).algorithm(Algorithm.GCRA).build();
    Limit window = Limit.builderOfMicros(5, 10_000_000).algorithm(Algorithm.FIXED_WINDOW).build();
    List<Limit> limits = List.of(bucket, window);
    KeyedLimits l = redis.open(limits);
    String key = key();
    String[] keys = stateKeys(limits, key);
    assertThat(l.acquire(key, 1).allowed()).isTrue();
    clock.advanceMicros(900_000);
    assertThat(l.acquire(key, 1).allowed()).isTrue(); // tat = 1.4 s, the window counts 2
    // the bucket is full again (tat = now), the window still counts 1: both keys stay, the
    // bucket's with the window's TTL
    assertThat(l.refund(key, 1)).isEqualTo(Decision.allowed(bucket, 2, 0));
    assertThat(pttl(keys[0])).isBetween(9_100L + MARGIN_MS - 100, 9_100L + MARGIN_MS);
    assertThat(pttl(keys[1])).isBetween(9_100L + MARGIN_MS - 100, 9_100L + MARGIN_MS);
    assertThat(l.refund(key, 1)).isEqualTo(Decision.allowed(bucket, 2, 0));
    assertThat(exists(keys[0])).isFalse();
    assertThat(exists(keys[1])).isFalse();
  }

  @Test
  void slidingWindowCounterRefundsTheCurrentCountOnly() {
    Limit limit = perSecond(3, Algorithm.SLIDING_WINDOW_COUNTER);
    KeyedLimits l = redis.open(List.of(limit));
    String key = key();
    clock.advanceMicros(500_000);
    assertThat(l.acquire(key, 2).allowed()).isTrue();
    clock.advanceMicros(700_000); // 1,200,000: the 2 are the previous window's, weighted 2
    assertThat(l.acquire(key, 1).allowed()).isTrue();
    assertThat(l.refund(key, 5)).isEqualTo(Decision.allowed(limit, 1, 800_000));
    // fits once the previous window weighs 1: at 1,500,000
    assertThat(l.acquire(key, 2)).isEqualTo(Decision.denied(limit, 1, 800_000, 300_000));
  }

  @Test
  void slidingWindowLogRefundsTheNewestLiveEntries() {
    Limit limit = perSecond(5, Algorithm.SLIDING_WINDOW_LOG);
    KeyedLimits l = redis.open(List.of(limit));
    String key = key();
    String stateKey = stateKeys(List.of(limit), key)[0];
    assertThat(l.acquire(key, 1).allowed()).isTrue();
    clock.advanceMicros(100_000);
    assertThat(l.acquire(key, 2).allowed()).isTrue();
    clock.advanceMicros(100_000);
    assertThat(l.acquire(key, 1).allowed()).isTrue();
    clock.advanceMicros(100_000); // 300,000: (1 @0, 2 @100k, 1 @200k) -> (1 @0, 1 @100k)
    assertThat(l.refund(key, 2)).isEqualTo(Decision.allowed(limit, 3, 800_000));
    clock.advanceMicros(750_000); // 1,050,000: the entry of 0 has left the window
    assertThat(l.refund(key, 5)).isEqualTo(Decision.allowed(limit, 5, 0));
    assertThat(exists(stateKey)).isFalse();
  }

  @Test
  void refundOfAKeyWithoutStateCreatesNothing() {
    List<Limit> limits = everyAlgorithm();
    KeyedLimits l = redis.open(limits);
    String key = key();
    Decision fresh = l.acquire(key, 0);
    assertThat(l.refund(key, 3)).isEqualTo(fresh);
    assertThat(l.refund(key, 0)).isEqualTo(fresh);
    for (String k : stateKeys(limits, key)) {
      assertThat(exists(k)).as(k).isFalse();
    }
  }

  @Test
  void resetForgetsEveryLimitOfTheKeyOnly() {
    List<Limit> limits = everyAlgorithm();
    KeyedLimits l = redis.open(limits);
    String key = key();
    String other = key();
    Decision fresh = l.acquire(key, 0);
    assertThat(l.acquire(key, 2).allowed()).isTrue();
    assertThat(l.acquire(other, 2).allowed()).isTrue();
    assertThat(l.reserve(key, 2, Long.MAX_VALUE).decision().allowed()).isTrue();
    for (String k : stateKeys(limits, key)) {
      assertThat(exists(k)).as(k).isTrue();
    }
    l.reset(key);
    for (String k : stateKeys(limits, key)) {
      assertThat(exists(k)).as(k).isFalse();
    }
    assertThat(l.acquire(key, 0)).isEqualTo(fresh);
    assertThat(l.acquire(other, 0)).isNotEqualTo(fresh);
    l.resetAsync(key()).toCompletableFuture().join(); // an unknown key: nothing to do
  }

  /** Mixed operations issued without waiting leave in coalesced calls, applied in their order. */
  @Test
  void aCoalescedBatchAppliesMixedOperationsInOrder() {
    List<Limit> limits = List.of(Limit.ofMicros(5, 1_000_000),
        Limit.builderOfMicros(8, 2_000_000).algorithm(Algorithm.SLIDING_WINDOW_LOG).build());
    KeyedLimits l = redis.open(limits);
    ReferenceLimits ref = new ReferenceLimits(clock, limits);
    String[] keys = {key(), key(), key()};
    Random rnd = new Random(99);
    List<CompletableFuture<?>> got = new ArrayList<>();
    List<Object> want = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      if (rnd.nextInt(5) == 0) {
        clock.advanceMicros(rnd.nextInt(300_000));
      }
      String key = keys[rnd.nextInt(keys.length)];
      long k = rnd.nextInt(4);
      switch (rnd.nextInt(10)) {
        case 0, 1, 2 -> {
          got.add(l.acquireAsync(key, k).toCompletableFuture());
          want.add(ref.acquire(key, k));
        }
        case 3 -> {
          got.add(l.acquireUpToAsync(key, k).toCompletableFuture());
          want.add(ref.acquireUpTo(key, k));
        }
        case 4, 5, 6 -> {
          long w = rnd.nextInt(2_000_000);
          got.add(l.reserveAsync(key, k, w).toCompletableFuture());
          want.add(ref.reserve(key, k, w));
        }
        case 7, 8 -> {
          got.add(l.refundAsync(key, k).toCompletableFuture());
          want.add(ref.refund(key, k));
        }
        default -> {
          got.add(l.resetAsync(key).toCompletableFuture());
          ref.reset(key);
          want.add(null);
        }
      }
    }
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i).join()).as("request %d", i).isEqualTo(want.get(i));
    }
  }

  @Test
  void theRateLimiterWaitsForItsReservation() {
    ManualSleeper sleeper = new ManualSleeper(clock);
    Limit limit = perSecond(3, Algorithm.TOKEN_BUCKET);
    RateLimiter limiter = RateLimiter.builder(limit).backend(redis).sleeper(sleeper).build();
    String key = key();
    assertThat(limiter.acquire(key, 3, Duration.ZERO).allowed()).isTrue();
    Decision d = limiter.acquire(key, 2, Duration.ofSeconds(1));
    assertThat(d).isEqualTo(Decision.allowed(limit, 0, 1_666_667));
    assertThat(sleeper.waits()).containsExactly(666_667L);
    Decision later = limiter.acquireAsync(key, 1, Duration.ofSeconds(1)).toCompletableFuture()
        .join();
    assertThat(later.allowed()).isTrue();
    assertThat(sleeper.waits()).containsExactly(666_667L, 333_333L); // due at 1,666,666⅔ - 2T

    Limit window = perSecond(3, Algorithm.FIXED_WINDOW);
    RateLimiter windows = RateLimiter.builder(window).backend(redis).sleeper(sleeper).build();
    String other = key();
    clock.advanceMicros(-clock.nowMicros() % 1_000_000 + 250_000); // 250 ms into a window
    assertThat(windows.acquire(other, 3, Duration.ZERO).allowed()).isTrue();
    assertThat(windows.acquire(other, 1, Duration.ofSeconds(1)).allowed()).isTrue();
    assertThat(sleeper.waits()).last().isEqualTo(750_000L); // to the window's end, then again
  }

  @Test
  void anInterruptedWaiterGivesItsPermitsBack() {
    ManualSleeper sleeper = new ManualSleeper(clock);
    Limit limit = perSecond(3, Algorithm.GCRA);
    RateLimiter limiter = RateLimiter.builder(limit).backend(redis).sleeper(sleeper).build();
    String key = key();
    assertThat(limiter.acquire(key, 3, Duration.ZERO).allowed()).isTrue();
    Decision before = limiter.tryAcquire(key, 0);
    Thread.currentThread().interrupt();
    Decision d = limiter.acquire(key, 2, Duration.ofSeconds(1));
    assertThat(Thread.interrupted()).isTrue();
    assertThat(d.reason()).isEqualTo(Decision.Reason.INTERRUPTED);
    assertThat(d.retryAfterMicros()).isEqualTo(666_667);
    assertThat(limiter.tryAcquire(key, 0)).isEqualTo(before);
  }

  private static List<Limit> everyAlgorithm() {
    List<Limit> limits = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      limits.add(Limit.builderOfMicros(4, 2_000_000).algorithm(a).build());
    }
    return limits;
  }
}
