package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Calendar windows on Redis's own clock: the client passes the windows around its time, the
 * script picks the one holding Redis's {@code TIME}, the key lives until that window's real end;
 * a client clock a whole window away from Redis's is an error, never a count in the wrong window.
 * (The contract suite covers the windows themselves, on a caller clock.)
 */
@ExtendWith(RealRedis.class)
class CalendarWindowRedisTest {

  private static final long DAY = 86_400_000_000L;

  private static RedisStandalone server;
  private static RedisBackend serverTime;

  @BeforeAll
  static void start(RedisStandalone s) {
    server = s;
    serverTime = RedisBackend.builder(s.uri()).keyPrefix("cal:").timeout(Duration.ofSeconds(5))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
  }

  @AfterAll
  static void stop() {
    serverTime.close();
  }

  @BeforeEach
  void flush() {
    server.flushAll();
  }

  /** Redis's clock, µs. */
  private static long redisTime() {
    List<?> t = (List<?>) server.node().call("TIME");
    return Long.parseLong(t.get(0).toString()) * 1_000_000L + Long.parseLong(t.get(1).toString());
  }

  @Test
  void withTheServersTimeTheResetAndTheKeysLifetimeRunToTheWindowsEnd() {
    CalendarPeriod day = CalendarPeriod.day().zone("Pacific/Chatham"); // +12:45 or +13:45
    RateLimiter limiter = RateLimiter.create(serverTime,
        List.of(Limit.builder(2, day).name("daily").build()));
    long before = redisTime();
    Decision d = limiter.tryAcquire("user");
    long after = redisTime();
    long end = day.windowAt(after).endMicros();
    assertThat(day.windowAt(before).endMicros()).as("not at a midnight in Chatham").isEqualTo(end);
    assertThat(d.allowed()).isTrue();
    assertThat(d.degraded()).isFalse();
    assertThat(d.remaining()).isEqualTo(1);
    assertThat(d.resetAfterMicros()).isBetween(end - after, end - before);
    String key = "cal:{user}:fw:2:" + DAY + ":2:daily:day@Pacific/Chatham";
    long pttl = (Long) server.node().call("PTTL", key);
    assertThat(pttl * 1000).as("the key lives until the day ends")
        .isBetween(end - after - 1_000_000, end - before + 1_000);
    limiter.tryAcquire("user");
    Decision denied = limiter.tryAcquire("user");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfterMicros()).isBetween(end - redisTime(), end - before);
  }

  /** One acquire of one permit on a fresh key, run by the script itself on Redis's time. */
  private static List<?> acquire(String key, long count, String bounds) {
    Script script = Script.forAlgorithms(Set.of(Algorithm.FIXED_WINDOW));
    List<String> cmd = new ArrayList<>(List.of("EVAL", script.text, "1", key, "1", "0",
        Integer.toString(Script.code(Algorithm.FIXED_WINDOW)), Long.toString(count), bounds,
        Long.toString(count), "", "1"));
    return (List<?>) server.node().call(cmd);
  }

  /** The argument a client whose clock is {@code skew} µs off Redis's would send. */
  private static String bounds(CalendarPeriod period, long skew) {
    Clock skewed = () -> redisTime() + skew;
    return new CalendarBounds(period, skewed).argument(new long[0], 0);
  }

  @Test
  void redisPicksTheWindowHoldingItsTimeAmongThoseTheClientPassed() {
    CalendarPeriod day = CalendarPeriod.day().zone("Asia/Kathmandu"); // +05:45
    for (long skew : new long[] {-DAY, 0, DAY, -DAY / 2, DAY / 2}) {
      long before = redisTime();
      List<?> reply = acquire("skew:" + skew, 3, bounds(day, skew));
      long after = redisTime();
      long end = day.windowAt(after).endMicros();
      if (day.windowAt(before).endMicros() != end) {
        continue; // midnight in Kathmandu between the reads: nothing to compare
      }
      assertThat(reply.get(0)).as("allowed, client %d µs off", skew).isEqualTo(1L);
      assertThat(reply.get(1)).isEqualTo(2L);
      assertThat((Long) reply.get(2)).as("resetAfter, client %d µs off", skew)
          .isBetween(end - after, end - before);
      long pttl = (Long) server.node().call("PTTL", "skew:" + skew);
      assertThat(pttl * 1000).isBetween(end - after - 1_000_000, end - before + 1_000);
    }
  }

  @Test
  void aClientClockAWholeWindowAwayIsAnErrorAndCountsNothing() {
    CalendarPeriod day = CalendarPeriod.day().zone("UTC");
    assertThatThrownBy(() -> acquire("far-behind", 3, bounds(day, -3 * DAY)))
        .isInstanceOf(RedisCommandExecutionException.class)
        .hasMessageContaining("calendar window: the time ")
        .hasMessageContaining("is outside the windows the client computed")
        .hasMessageContaining("its clock and Redis's differ by more than a window");
    assertThatThrownBy(() -> acquire("far-ahead", 3, bounds(day, 3 * DAY)))
        .isInstanceOf(RedisCommandExecutionException.class)
        .hasMessageContaining("is outside the windows the client computed");
    assertThat((Long) server.node().call("DBSIZE")).isZero();
  }

  @Test
  void calendarAndFixedLengthLimitsNeverShareAKey() {
    Limit calendar = Limit.builder(5, CalendarPeriod.day()).name("n").build();
    Limit fixed = Limit.builder(5, Duration.ofDays(1)).algorithm(Algorithm.FIXED_WINDOW)
        .name("n").build();
    RateLimiter.create(serverTime, List.of(calendar)).tryAcquire("k", 2);
    Decision d = RateLimiter.create(serverTime, List.of(fixed)).tryAcquire("k", 0);
    assertThat(d.remaining()).isEqualTo(5);
    assertThat(server.node().call("KEYS", "cal:*")).asList()
        .containsExactly("cal:{k}:fw:5:" + DAY + ":5:n:day@UTC");
  }
}
