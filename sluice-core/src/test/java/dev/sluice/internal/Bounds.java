package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each algorithm admits at most, checked on the log of admissions {@code (time, permits)} of
 * one key, in time order. Each bound follows from the algorithm's definition alone.
 */
final class Bounds {
  private Bounds() {}

  static void check(Limit limit, List<long[]> admitted) {
    switch (limit.algorithm()) {
      case TOKEN_BUCKET, GCRA -> bucket(limit, admitted);
      case FIXED_WINDOW -> fixedWindow(limit, admitted);
      case SLIDING_WINDOW_LOG -> slidingLog(limit, admitted);
      case SLIDING_WINDOW_COUNTER -> slidingCounter(limit, admitted);
    }
  }

  /**
   * Token bucket and GCRA: for every two admission times s <= t, the permits admitted in [s, t]
   * are at most {@code burst + floor((t - s) × count / period)}. The bucket holds at most burst
   * tokens just before s, gains exactly count/period tokens per µs (fractions carried), and never
   * hands out a token it does not hold.
   */
  static void bucket(Limit limit, List<long[]> admitted) {
    for (int i = 0; i < admitted.size(); i++) {
      long s = admitted.get(i)[0];
      long sum = 0;
      for (int j = i; j < admitted.size(); j++) {
        long t = admitted.get(j)[0];
        sum += admitted.get(j)[1];
        long allowance = limit.burst()
            + MulDiv.floor(t - s, limit.count(), limit.periodMicros());
        assertThat(sum).as("%s admitted in [%d, %d] µs", limit, s, t)
            .isLessThanOrEqualTo(allowance);
      }
    }
  }

  /** Fixed window: at most count permits in each epoch-aligned window. */
  static void fixedWindow(Limit limit, List<long[]> admitted) {
    Map<Long, Long> perWindow = perWindow(limit, admitted, admitted.size());
    perWindow.forEach((w, n) -> assertThat(n).as("%s admitted in the window at %d µs", limit, w)
        .isLessThanOrEqualTo(limit.count()));
  }

  /**
   * Sliding log: at most count permits in every interval (t - period, t]. Checking the intervals
   * that end at an admission suffices: any other one holds no more than the one ending at its
   * latest admission.
   */
  static void slidingLog(Limit limit, List<long[]> admitted) {
    for (long[] a : admitted) {
      long t = a[0];
      assertThat(sumIn(admitted, t - limit.periodMicros(), t))
          .as("%s admitted in (%d - period, %d] µs", limit, t, t)
          .isLessThanOrEqualTo(limit.count());
    }
  }

  /**
   * Sliding counter, three facts:
   *
   * <ol>
   *   <li>its definition holds at every admission at t, recomputed from the log:
   *       {@code ceil(previous × (period - e) / period) + current <= count}, where e is the time
   *       elapsed in t's window and current includes the admission;
   *   <li>hence at most count permits per epoch-aligned window;
   *   <li>and at most {@code count + floor(count × e / period)} (so fewer than 2 × count) in
   *       every sliding interval (t - period, t] ending at an admission, e measured at t: the interval
   *       meets only t's window and the previous one, whose count c' is weighted by at least
   *       {@code c' × (period - e) / period}.
   * </ol>
   */
  static void slidingCounter(Limit limit, List<long[]> admitted) {
    long c = limit.count();
    long p = limit.periodMicros();
    for (int i = 0; i < admitted.size(); i++) {
      long t = admitted.get(i)[0];
      long w = Math.floorDiv(t, p) * p;
      long e = t - w;
      Map<Long, Long> soFar = perWindow(limit, admitted, i + 1);
      long prev = soFar.getOrDefault(w - p, 0L);
      long curr = soFar.getOrDefault(w, 0L);
      assertThat(MulDiv.ceil(prev, p - e, p) + curr)
          .as("%s estimate after the admission at %d µs (previous %d, current %d)", limit, t, prev,
              curr)
          .isLessThanOrEqualTo(c);
      // Sum over the whole log up to the last admission at t.
      int last = i;
      while (last + 1 < admitted.size() && admitted.get(last + 1)[0] == t) {
        last++;
      }
      assertThat(sumIn(admitted.subList(0, last + 1), t - p, t))
          .as("%s admitted in (%d - period, %d] µs", limit, t, t)
          .isLessThanOrEqualTo(c + MulDiv.floor(c, e, p))
          .isLessThan(2 * c);
    }
    fixedWindow(limit, admitted);
  }

  private static Map<Long, Long> perWindow(Limit limit, List<long[]> admitted, int n) {
    Map<Long, Long> perWindow = new HashMap<>();
    for (long[] a : admitted.subList(0, n)) {
      perWindow.merge(Math.floorDiv(a[0], limit.periodMicros()) * limit.periodMicros(), a[1],
          Long::sum);
    }
    return perWindow;
  }

  /** Permits admitted at times in (from, to]. */
  private static long sumIn(List<long[]> admitted, long from, long to) {
    long sum = 0;
    for (long[] a : admitted) {
      if (a[0] > from && a[0] <= to) {
        sum += a[1];
      }
    }
    return sum;
  }
}
