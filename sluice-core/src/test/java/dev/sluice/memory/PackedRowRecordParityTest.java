package dev.sluice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.spi.KeyedLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Permits taken past the limit ({@link KeyedLimits#record}) on the packed store and the row store
 * give the same answers and leave the same state, mixed with acquisitions, reservations into debt
 * and refunds, on random sequences whose clock also moves back, records far past the limit and
 * beyond every bound included.
 */
class PackedRowRecordParityTest {

  @ParameterizedTest
  @MethodSource("dev.sluice.memory.PackedRowParityTest#packable")
  void recordsAnswerAsTheRowStore(Limit limit) {
    for (int seed = 0; seed < 20; seed++) {
      run(limit, new Random(seed * 17L + limit.hashCode()));
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
    for (int i = 0; i < 300; i++) {
      int dice = rnd.nextInt(100);
      long move = dice < 40 ? 0 : dice < 75 ? next(rnd, Math.max(1, period / 10))
          : dice < 92 ? next(rnd, period * 3) : dice < 95 ? 1 : -next(rnd, Math.max(1, period / 5));
      clock.advanceMicros(move);
      if (rnd.nextInt(20) == 0) {
        packed.cleanUp();
        rows.cleanUp();
      }
      long k = rnd.nextInt(5) == 0 ? 0 : 1 + next(rnd, 3 * capacity + 1);
      int op = rnd.nextInt(100);
      Object want;
      Object got;
      String what;
      if (op < 45) {
        long n = rnd.nextInt(15) == 0 ? Long.MAX_VALUE : k;
        what = "record " + n;
        want = r.record("k", n);
        got = p.record("k", n);
      } else if (op < 65) {
        what = "acquire " + k;
        want = r.acquire("k", k);
        got = p.acquire("k", k);
      } else if (op < 80) {
        what = "reserve " + k;
        want = r.reserve("k", k, Long.MAX_VALUE);
        got = p.reserve("k", k, Long.MAX_VALUE);
      } else {
        what = "refund " + k;
        want = r.refund("k", k);
        got = p.refund("k", k);
      }
      trail.add(String.format("%+d µs, %s", move, what));
      assertThat(got).as("%s at step %d: %s", limit, i, trail).isEqualTo(want);
      assertThat(p.acquire("k", 0)).as("check after step %d: %s", i, trail)
          .isEqualTo(r.acquire("k", 0));
      assertThat(packed.size()).as("%s keys at step %d: %s", limit, i, trail)
          .isEqualTo(rows.size());
    }
  }

  private static long next(Random rnd, long bound) {
    return bound <= 1 ? 0 : Math.floorMod(rnd.nextLong(), bound);
  }
}
