package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.spi.KeyedLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RateLimiter#record} and {@link KeyedLimits#record}: permits taken past the limit (usage
 * counted after the fact), recorded under every limit of the key in one step whether or not it
 * had room, and the decision after: allowed when the key had room, else denied with remaining 0
 * and the retryAfter of one permit afterwards.
 *
 * <p>TOKEN_BUCKET and GCRA go into debt, at most until the debt is due the longest exact wait from
 * now. FIXED_WINDOW and SLIDING_WINDOW_COUNTER count past the limit in the current window, and
 * the SLIDING_WINDOW_LOG logs the permits at now, each window holding at most twice the count.
 */
public abstract class RecordContract extends AbstractContract {

  private static Decision record(Key key, long permits) {
    Decision d = key.limiter().record(key.name(), permits);
    assertThat(d.degraded()).as("degraded flag of %s", d).isFalse();
    assertThat(key.limiter().limits()).contains(d.limit());
    return d;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRecordThatFitsIsAnAdmission(Algorithm algorithm) {
    Key recorded = key(Limit.builder("10/second").algorithm(algorithm).build());
    Key acquired = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    assertThat(record(recorded, 3)).isEqualTo(acquired.acquire(3));
    at(250_000);
    assertThat(record(recorded, 7)).isEqualTo(acquired.acquire(7));
    assertThat(recorded.check()).isEqualTo(acquired.check());
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRecordOfNothingIsACheck(Algorithm algorithm) {
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    assertThat(record(key, 0)).isEqualTo(key.check());
    key.acquire(10);
    assertThat(record(key, 0)).isEqualTo(key.check());
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aBucketGoesIntoDebtThatLaterRequestsWaitFor(Algorithm algorithm) {
    // T = 100 ms
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    // 15 permits from a full bucket of 10: 5 in debt, so one more permit is due in 6 × T
    assertDenied(record(key, 15), 0, 1_500_000, 600_000);
    assertDenied(key.acquire(), 0, 1_500_000, 600_000);
    assertAllowed(key.check(), 0, 1_500_000);
    at(599_999);
    assertDeniedForOneMoreMicrosecond(key.acquire());
    at(600_000);
    assertAllowed(key.acquire(), 0, SECOND);
    assertDenied(record(key, 1), 0, 1_100_000, 200_000);
    at(2_100_000);
    assertAllowed(key.acquire(10), 0, SECOND);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
  void aBucketsDebtIsBoundedByTheLongestExactWait(Algorithm algorithm) {
    // T = 1 s, burst 1: the debt may reach 2^52 µs less one T of wait, so 4,503,599,627
    // permits are recorded from a full bucket (the rest are not), due in 4,503,599,627 s.
    Key key = key(Limit.builder("1/second").algorithm(algorithm).build());
    at(0);
    long due = 4_503_599_627L * SECOND;
    assertDenied(record(key, Long.MAX_VALUE), 0, due, due);
    assertDenied(record(key, 1), 0, due, due); // at the bound: nothing more is recorded
    at(10 * SECOND);
    assertDenied(record(key, 100), 0, due, due); // 10 refilled, 10 recorded again
    at(20 * SECOND);
    assertDenied(record(key, Long.MAX_VALUE), 0, due, due); // in debt: up to the bound again
  }

  @Test
  void aFixedWindowCountsPastItsLimitUntilTheWindowEnds() {
    Key key = key(Limit.builder("10/second").algorithm(Algorithm.FIXED_WINDOW).build());
    at(0);
    assertAllowed(key.acquire(8), 2, SECOND);
    at(400_000);
    assertDenied(record(key, 5), 0, 600_000, 600_000); // 13 counted
    assertDenied(key.acquire(), 0, 600_000, 600_000);
    assertAllowed(key.limiter().refund(key.name(), 3), 0, 600_000); // 10 left
    assertAllowed(key.limiter().refund(key.name(), 1), 1, 600_000); // 9
    at(SECOND); // a new window starts from nothing
    assertAllowed(key.acquire(10), 0, SECOND);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class,
      names = {"FIXED_WINDOW", "SLIDING_WINDOW_COUNTER", "SLIDING_WINDOW_LOG"})
  void aWindowHoldsAtMostTwiceItsCount(Algorithm algorithm) {
    Key key = key(Limit.builder("10/second").algorithm(algorithm).build());
    at(0);
    assertThat(record(key, 1_000).allowed()).isFalse();
    assertThat(record(key, Long.MAX_VALUE).allowed()).isFalse();
    // 20 were counted: giving back 11 leaves 9
    assertThat(key.limiter().refund(key.name(), 11).remaining()).isEqualTo(1);
    assertThat(key.acquire(2).allowed()).isFalse();
    assertThat(key.acquire(1).allowed()).isTrue();
  }

  @Test
  void aSlidingWindowCounterCarriesWhatWasCountedIntoTheNextWindow() {
    Key key = key(Limit.builder("10/second").algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build());
    at(0);
    // 15 counted: in the next window they weigh ceil(15 × (1 s - e) / 1 s); one more permit fits
    // once that is 9, at e = 400 ms
    assertDenied(record(key, 15), 0, 2 * SECOND, 1_400_000);
    at(1_399_999);
    assertDeniedForOneMoreMicrosecond(key.acquire());
    at(1_400_000);
    assertAllowed(key.acquire(), 0, 1_600_000);
  }

  @Test
  void aSlidingWindowLogLogsPastItsLimitAndMergesOnceFull() {
    Key key = key(Limit.builder("10/second").algorithm(Algorithm.SLIDING_WINDOW_LOG).build());
    at(0);
    assertAllowed(key.acquire(8), 2, SECOND);
    at(100_000);
    // a new entry (100 ms, 5): 13 in the window; one more fits when the 8 of 0 ms leave
    assertDenied(record(key, 5), 0, SECOND, 900_000);
    at(200_000);
    // full: merged into the newest entry, moved to now (200 ms, 8)
    assertDenied(record(key, 3), 0, SECOND, 800_000);
    at(SECOND);
    assertAllowed(key.check(), 2, 200_000);
    at(1_200_000);
    assertAllowed(key.check(), 10, 0);
  }

  @Test
  void aCalendarWindowCountsPastItsLimitUntilLocalMidnight() {
    // T0 is 19:00 on the 14th in New York: the day ends in 5 hours
    Key key = key(Limit.builder(100, CalendarPeriod.day().zone("America/New_York")).build());
    at(0);
    assertAllowed(record(key, 60), 40, 5 * HOUR);
    assertDenied(record(key, 60), 0, 5 * HOUR, 5 * HOUR);
    assertDenied(key.acquire(), 0, 5 * HOUR, 5 * HOUR);
    at(5 * HOUR);
    assertAllowed(key.acquire(100), 0, DAY);
  }

  @Test
  void everyLimitOfTheKeyRecordsInOneStep() {
    Limit perSecond = Limit.builder("10/second").algorithm(Algorithm.FIXED_WINDOW)
        .name("second").build();
    Limit perMinute = Limit.builder("20/minute").algorithm(Algorithm.SLIDING_WINDOW_LOG)
        .name("minute").build();
    Key key = key(perSecond, perMinute);
    at(0);
    Decision d = record(key, 12);
    assertDenied(d, 0, SECOND, SECOND);
    assertDecidedBy(d, perSecond);
    at(SECOND);
    assertThat(key.acquire(8).allowed()).isTrue();
    Decision full = key.acquire();
    assertThat(full.allowed()).isFalse();
    assertDecidedBy(full, perMinute);
  }

  @Test
  void theAsyncFormRecordsAlike() throws Exception {
    Key key = key(Limit.builder("10/second").algorithm(Algorithm.FIXED_WINDOW).build());
    at(0);
    Decision d = key.limiter().recordAsync(key.name(), 12).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertDenied(d, 0, SECOND, SECOND);
    assertThat(key.limiter().refund(key.name(), 3).remaining()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW_LOG",
      "SLIDING_WINDOW_COUNTER"})
  void racingRecordsAreCountedExactly(Algorithm algorithm) throws Exception {
    Key key = key(Limit.builder("1000/minute").algorithm(algorithm).build());
    at(0);
    int threads = 8;
    int each = 150; // 1,200 in all: past the limit, below its bound
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Long>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(() -> {
          long admitted = 0;
          for (int i = 0; i < each; i++) {
            if (key.limiter().record(key.name(), 1).allowed()) {
              admitted++;
            }
          }
          return admitted;
        });
      }
      long admitted = 0;
      for (Future<Long> f : pool.invokeAll(tasks)) {
        admitted += f.get();
      }
      assertThat(admitted).as("records that found room").isEqualTo(1000);
    } finally {
      pool.shutdownNow();
    }
    // 1,200 counted: giving back 201 leaves 999
    assertThat(key.limiter().refund(key.name(), 200).remaining()).isZero();
    assertThat(key.limiter().refund(key.name(), 1).remaining()).isEqualTo(1);
  }
}
