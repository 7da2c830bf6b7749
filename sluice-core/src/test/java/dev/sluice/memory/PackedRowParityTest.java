package dev.sluice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.internal.Packed;
import dev.sluice.spi.KeyedLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packed store (one word per key, CAS) and the row store (the transitions under a monitor)
 * give the same answer to every operation — acquire, take-up-to, reserve, refund (up to absurd
 * amounts), reset — on random sequences whose clock also moves back, with expired keys swept at
 * random moments.
 */
class PackedRowParityTest {

  static Stream<Limit> packable() {
    List<Limit> limits = new ArrayList<>();
    for (Algorithm a : new Algorithm[] {Algorithm.TOKEN_BUCKET, Algorithm.GCRA,
        Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_COUNTER}) {
      limits.add(Limit.builder("10/second").algorithm(a).build());
      limits.add(Limit.builderOfMicros(7, 1_000_003).algorithm(a).build());
      limits.add(Limit.builder("1000/minute").algorithm(a).build());
      limits.add(Limit.builderOfMicros(3, 10).algorithm(a).build());
      if (a.hasBurst()) {
        limits.add(Limit.builder("10/second").burst(1).algorithm(a).build());
        limits.add(Limit.builderOfMicros(3, 1_000_003).burst(17).algorithm(a).build());
      }
    }
    limits.forEach(l -> assertThat(Packed.of(l)).as("%s packs", l).isNotNull());
    return limits.stream();
  }

  @ParameterizedTest
  @MethodSource("packable")
  void everyOperationAnswersAsTheRowStore(Limit limit) {
    for (int seed = 0; seed < 20; seed++) {
      run(limit, new Random(seed * 31L + limit.hashCode()));
    }
  }

  private static void run(Limit limit, Random rnd) {
    ManualClock clock = new ManualClock(1_700_000_000_000_000L);
    MemoryBackend packed = MemoryBackend.builder().clock(clock).build();
    MemoryBackend rows = MemoryBackend.builder().clock(clock).packedState(false).build();
    KeyedLimits p = packed.open(List.of(limit));
    KeyedLimits r = rows.open(List.of(limit));
    long period = limit.periodMicros();
    long capacity = limit.capacity();
    List<String> trail = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      int dice = rnd.nextInt(100);
      long move = dice < 40 ? 0 : dice < 75 ? next(rnd, Math.max(1, period / 10))
          : dice < 92 ? next(rnd, period * 2) : dice < 95 ? 1 : -next(rnd, Math.max(1, period / 5));
      clock.advanceMicros(move);
      if (rnd.nextInt(20) == 0) {
        packed.cleanUp();
        rows.cleanUp();
      }
      long k = rnd.nextInt(4) == 0 ? 0 : 1 + next(rnd, capacity + 1);
      int op = rnd.nextInt(100);
      Object want;
      Object got;
      String what;
      if (op < 35) {
        what = "acquire " + k;
        want = r.acquire("k", k);
        got = p.acquire("k", k);
      } else if (op < 47) {
        what = "up to " + k;
        want = r.acquireUpTo("k", k);
        got = p.acquireUpTo("k", k);
      } else if (op < 75) {
        long wait = rnd.nextInt(4) == 0 ? Long.MAX_VALUE : next(rnd, period * 20);
        what = "reserve " + k + " within " + wait;
        want = r.reserve("k", k, wait);
        got = p.reserve("k", k, wait);
      } else if (op < 96) {
        long back = rnd.nextInt(10) == 0 ? Long.MAX_VALUE : k;
        what = "refund " + back;
        want = r.refund("k", back);
        got = p.refund("k", back);
      } else {
        what = "reset";
        r.reset("k");
        p.reset("k");
        want = r.acquire("k", 0);
        got = p.acquire("k", 0);
      }
      trail.add(String.format("%+d µs, %s", move, what));
      assertThat(got).as("%s at step %d: %s", limit, i, trail).isEqualTo(want);
      assertThat(packed.size()).as("%s keys at step %d: %s", limit, i, trail)
          .isEqualTo(rows.size());
    }
  }

  private static long next(Random rnd, long bound) {
    return bound <= 1 ? 0 : Math.floorMod(rnd.nextLong(), bound);
  }
}
