package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.RateLimiter.Acquisition;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Part;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several keys' parts acquired all or nothing ({@link RateLimiter#tryAcquireAll}, {@code
 * Backend.acquireAllAsync}): admitted only if every part has room, and then each part answers as
 * its own acquisition would; a refusal takes nothing from any part, every part without room
 * reports the denial its own acquisition would get (the exact retry), the others their
 * zero-permit check. Racing requests are admitted exactly what the narrowest limit allows, and no
 * limit keeps a permit of a refused request.
 *
 * <p>Keys are named so that the refusing part comes first or last in the order parts are taken,
 * which a compensating backend must both handle (a refund of what was taken, a report of what
 * was not reached).
 */
public abstract class AllOrNothingContract extends AbstractContract {

  private static final int THREADS = 8;

  private static Limit limit(String rate, Algorithm algorithm, String name) {
    return Limit.builder(rate).algorithm(algorithm).name(name).build();
  }

  private static List<Decision> all(Acquisition... parts) {
    List<Decision> ds = RateLimiter.tryAcquireAll(List.of(parts));
    assertThat(ds).hasSize(parts.length);
    for (Decision d : ds) {
      assertThat(d.degraded()).as("degraded flag of %s", d).isFalse();
    }
    return ds;
  }

  private static Acquisition part(RateLimiter limiter, String key, long permits) {
    return new Acquisition(limiter, key, permits);
  }

  /** Two keys in the order parts are taken: {@code keys[0]} before {@code keys[1]}. */
  private String[] orderedKeys() {
    String base = newKey();
    return new String[] {base + ":1", base + ":2"};
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void anAdmissionTakesFromEveryPartAndAnswersAsEachAcquisitionWould(Algorithm algorithm) {
    RateLimiter narrow = limiter(limit("3/minute", algorithm, "narrow"));
    RateLimiter wide = limiter(limit("100/hour", algorithm, "wide"),
        limit("1000/day", Algorithm.FIXED_WINDOW, "daily"));
    String[] keys = orderedKeys();
    String[] twins = orderedKeys();
    at(0);
    for (int i = 0; i < 3; i++) {
      clock.advanceMicros(SECOND);
      List<Decision> ds = all(part(wide, keys[0], 2), part(narrow, keys[1], 1));
      // the same requests on their own, on twin keys with the same history
      assertThat(ds).containsExactly(wide.tryAcquire(twins[0], 2), narrow.tryAcquire(twins[1], 1));
      assertThat(ds).allMatch(Decision::allowed);
    }
    assertThat(narrow.tryAcquire(keys[1], 0)).isEqualTo(narrow.tryAcquire(twins[1], 0));
    assertThat(wide.tryAcquire(keys[0], 0)).isEqualTo(wide.tryAcquire(twins[0], 0));
  }

  @ParameterizedTest(name = "{0}, refusing part taken {1}")
  @EnumSource(Algorithm.class)
  void aRefusalTakesNothingAndReportsTheExactDenialAndTheOthersState(Algorithm algorithm) {
    for (boolean refusingFirst : new boolean[] {true, false}) {
      RateLimiter narrow = limiter(limit("2/minute", algorithm, "narrow"));
      RateLimiter wide = limiter(limit("100/hour", algorithm, "wide"));
      String[] keys = orderedKeys();
      String narrowKey = refusingFirst ? keys[0] : keys[1];
      String wideKey = refusingFirst ? keys[1] : keys[0];
      at(0);
      assertThat(narrow.tryAcquire(narrowKey, 2).allowed()).isTrue();
      assertThat(wide.tryAcquire(wideKey, 5).allowed()).isTrue();
      at(10 * SECOND);
      Decision wideBefore = wide.tryAcquire(wideKey, 0);
      List<Decision> ds = all(part(wide, wideKey, 3), part(narrow, narrowKey, 1));
      Decision denial = narrow.tryAcquire(narrowKey, 1); // what it answers on its own, now
      assertThat(denial.allowed()).isFalse();
      assertThat(ds.get(1)).as("the refusing part, taken %s", refusingFirst ? "first" : "last")
          .isEqualTo(denial);
      assertThat(ds.get(0)).as("the part with room: its state").isEqualTo(wideBefore);
      assertThat(wide.tryAcquire(wideKey, 0)).as("nothing taken from the wide limit")
          .isEqualTo(wideBefore);
    }
  }

  @Test
  void everyPartWithoutRoomReportsItsOwnDenial() {
    Limit a = limit("1/minute", Algorithm.TOKEN_BUCKET, "a"); // a permit every 60 s
    Limit b = limit("1/hour", Algorithm.FIXED_WINDOW, "b"); // the hour's window
    Limit c = limit("10/minute", Algorithm.GCRA, "c");
    RateLimiter la = limiter(a);
    RateLimiter lb = limiter(b);
    RateLimiter lc = limiter(c);
    String base = newKey();
    at(0);
    la.tryAcquire(base + ":1");
    lb.tryAcquire(base + ":3");
    at(5 * SECOND);
    Decision cBefore = lc.tryAcquire(base + ":2", 0);
    List<Decision> ds = all(part(la, base + ":1", 1), part(lc, base + ":2", 4),
        part(lb, base + ":3", 1));
    assertDenied(ds.get(0), 0, 55 * SECOND, 55 * SECOND);
    assertThat(ds.get(1)).isEqualTo(cBefore);
    assertDenied(ds.get(2), 0, HOUR - 5 * SECOND, HOUR - 5 * SECOND);
    assertThat(lc.tryAcquire(base + ":2", 0)).isEqualTo(cBefore);
  }

  @Test
  void aKeyInTwoPartsIsChargedForBoth() {
    Limit limit = limit("3/minute", Algorithm.FIXED_WINDOW, "per-minute");
    RateLimiter limiter = limiter(limit);
    String key = newKey();
    at(0);
    List<Decision> refused = all(part(limiter, key, 2), part(limiter, key, 2));
    assertAllowed(refused.get(0), 3, 0); // taken nothing: the key as it was
    assertDenied(refused.get(1), 1, MINUTE, MINUTE); // after the first part's 2, 1 is left
    assertAllowed(limiter.tryAcquire(key, 0), 3, 0);

    List<Decision> admitted = all(part(limiter, key, 1), part(limiter, key, 2));
    assertAllowed(admitted.get(0), 2, MINUTE);
    assertAllowed(admitted.get(1), 0, MINUTE);
    assertDenied(limiter.tryAcquire(key, 1), 0, MINUTE, MINUTE);
  }

  @Test
  void aCalendarWindowPartRefusesUntilItsLocalMidnight() {
    RateLimiter daily = limiter(Limit.parse("1/day@Europe/Paris"));
    RateLimiter wide = limiter(limit("100/hour", Algorithm.FIXED_WINDOW, "wide"));
    String[] keys = orderedKeys();
    at(0); // 01:00 in Paris: the day ends at 23:00Z
    List<Decision> first = all(part(wide, keys[0], 1), part(daily, keys[1], 1));
    assertAllowed(first.get(0), 99, HOUR);
    assertAllowed(first.get(1), 0, 23 * HOUR);
    at(HOUR); // a new hour: the wide limit is full again
    List<Decision> refused = all(part(wide, keys[0], 1), part(daily, keys[1], 1));
    assertAllowed(refused.get(0), 100, 0);
    assertDenied(refused.get(1), 0, 22 * HOUR, 22 * HOUR);
    at(23 * HOUR); // midnight in Paris
    assertThat(all(part(wide, keys[0], 1), part(daily, keys[1], 1))).allMatch(Decision::allowed);
  }

  @Test
  void morePermitsThanAPartCanEverHoldAreNeverAdmittedAndTakeNothing() {
    RateLimiter small = limiter(limit("5/second", Algorithm.TOKEN_BUCKET, "small"));
    RateLimiter big = limiter(limit("100/second", Algorithm.TOKEN_BUCKET, "big"));
    String[] keys = orderedKeys();
    at(0);
    List<Decision> ds = all(part(big, keys[0], 10), part(small, keys[1], 6));
    assertAllowed(ds.get(0), 100, 0);
    assertNeverFits(ds.get(1), 5, 0);
    assertAllowed(big.tryAcquire(keys[0], 0), 100, 0);
  }

  @Test
  void zeroPermitPartsAreReportedAndTakeNothing() {
    RateLimiter limiter = limiter(limit("4/minute", Algorithm.FIXED_WINDOW, "per-minute"));
    String[] keys = orderedKeys();
    at(0);
    limiter.tryAcquire(keys[0], 4);
    List<Decision> ds = all(part(limiter, keys[0], 0), part(limiter, keys[1], 1));
    assertAllowed(ds.get(0), 0, MINUTE);
    assertAllowed(ds.get(1), 3, MINUTE);
  }

  @Test
  void theSpiAnswersAsTheFacadeAndRejectsAnEmptyRequest() {
    Limit limit = limit("2/minute", Algorithm.SLIDING_WINDOW_LOG, "per-minute");
    KeyedLimits keyed = keyedLimits(limit);
    String[] keys = orderedKeys();
    at(0);
    List<Decision> ds = backend().acquireAllAsync(List.of(new Part(keyed, keys[0], 2),
        new Part(keyed, keys[1], 1))).toCompletableFuture().join();
    assertAllowed(ds.get(0), 0, MINUTE);
    assertAllowed(ds.get(1), 1, MINUTE);
    ds = backend().acquireAll(List.of(new Part(keyed, keys[1], 1), new Part(keyed, keys[0], 1)));
    assertAllowed(ds.get(0), 1, MINUTE);
    assertDenied(ds.get(1), 0, MINUTE, MINUTE);
    assertAllowed(keyed.acquire(keys[1], 0), 1, MINUTE);
    assertThatThrownBy(() -> backend().acquireAllAsync(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
  }

  /**
   * Requests over a narrow and a wide limit from many threads: exactly the narrow limit's permits
   * are admitted, and exactly as many are taken from the wide one, whichever part is taken first.
   */
  @ParameterizedTest(name = "narrow part taken first: {0}")
  @ValueSource(booleans = {true, false})
  void racingRequestsAreAdmittedExactlyTheNarrowLimitAndChargeTheWideOneExactly(
      boolean narrowFirst) throws Exception {
    RateLimiter narrow = limiter(limit("10/minute", Algorithm.FIXED_WINDOW, "narrow"));
    RateLimiter wide = limiter(limit("1000/minute", Algorithm.TOKEN_BUCKET, "wide"));
    String[] keys = orderedKeys();
    String narrowKey = narrowFirst ? keys[0] : keys[1];
    String wideKey = narrowFirst ? keys[1] : keys[0];
    at(0);
    long admitted = race(thread -> {
      long n = 0;
      for (int i = 0; i < 8; i++) {
        List<Decision> ds = RateLimiter.tryAcquireAll(List.of(part(narrow, narrowKey, 1),
            part(wide, wideKey, 1)));
        if (ds.get(0).allowed() && ds.get(1).allowed()) {
          n++;
        } else {
          assertThat(ds.get(0).allowed()).as("refused by the narrow limit").isFalse();
        }
      }
      return n;
    });
    assertThat(admitted).as("admitted of 64").isEqualTo(10);
    assertThat(narrow.tryAcquire(narrowKey, 0).remaining()).isZero();
    assertThat(wide.tryAcquire(wideKey, 0).remaining()).as("the wide limit's remaining")
        .isEqualTo(990);
  }

  /**
   * Requests over overlapping pairs of three scarce keys, asynchronously: no key admits more than
   * its limit, and once every answer is in, each key has been charged exactly for the admitted
   * requests that include it (a refused request keeps nothing anywhere).
   */
  @Test
  void racingOverlappingRequestsNeverOverAdmitAndKeepNothingOfARefusal() throws Exception {
    RateLimiter limiter = limiter(limit("12/minute", Algorithm.SLIDING_WINDOW_COUNTER, "scarce"));
    String base = newKey();
    String[] keys = {base + ":a", base + ":b", base + ":c"};
    int[][] pairs = {{0, 1}, {1, 2}, {2, 0}};
    AtomicLongArray charged = new AtomicLongArray(keys.length);
    at(0);
    race(thread -> {
      List<CompletableFuture<List<Decision>>> pending = new ArrayList<>();
      List<int[]> asked = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int[] pair = pairs[(thread + i) % pairs.length];
        asked.add(pair);
        pending.add(RateLimiter.tryAcquireAllAsync(List.of(part(limiter, keys[pair[0]], 1),
            part(limiter, keys[pair[1]], 1))).toCompletableFuture());
      }
      for (int i = 0; i < pending.size(); i++) {
        List<Decision> ds = pending.get(i).get(60, TimeUnit.SECONDS);
        boolean both = ds.get(0).allowed() && ds.get(1).allowed();
        if (both) {
          charged.incrementAndGet(asked.get(i)[0]);
          charged.incrementAndGet(asked.get(i)[1]);
        }
      }
      return 0;
    });
    for (int k = 0; k < keys.length; k++) {
      long used = 12 - limiter.tryAcquire(keys[k], 0).remaining();
      assertThat(charged.get(k)).as("admitted requests over key %d", k).isLessThanOrEqualTo(12);
      assertThat(used).as("permits taken from key %d", k).isEqualTo(charged.get(k));
    }
  }

  /** One thread's work; returns what it counted. */
  private interface Work {
    long run(int thread) throws Exception;
  }

  private static long race(Work work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        int thread = i;
        results.add(pool.submit(() -> {
          start.await();
          return work.run(thread);
        }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> f : results) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
