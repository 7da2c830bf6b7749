package dev.sluice.internal;

import static dev.sluice.internal.Result.NEVER;

import dev.sluice.Limit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Deliberately naive definitions of the five algorithms, written from their specification rather
 * than from the implementation: no code shared with it, plain {@code long} arithmetic on the small
 * values the properties generate, and searches over time where the implementation has a closed
 * formula. {@link #acquire} takes the permits when admitted and {@code permits > 0}; time never
 * moves back.
 */
abstract class ReferenceModel {
  final long c;
  final long p;

  ReferenceModel(Limit limit) {
    this.c = limit.count();
    this.p = limit.periodMicros();
  }

  static ReferenceModel of(Limit limit) {
    return switch (limit.algorithm()) {
      case TOKEN_BUCKET, GCRA -> new Bucket(limit);
      case FIXED_WINDOW -> new FixedWindow(limit);
      case SLIDING_WINDOW_LOG -> new SlidingLog(limit);
      case SLIDING_WINDOW_COUNTER -> new SlidingCounter(limit);
    };
  }

  abstract Result acquire(long now, long permits);

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** The first t in [from, to] where {@code ok} holds; {@code ok} is monotone and holds at to. */
  static long firstTime(long from, long to, LongPredicate ok) {
    long lo = from;
    long hi = to;
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (ok.test(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * A fluid bucket: its exact content is kept in units of 1/period token, so refilling {@code
   * count} tokens per period adds exactly {@code count} units per microsecond. Whole tokens are the
   * floor of the content; times are rounded up.
   */
  static final class Bucket extends ReferenceModel {
    final long b;
    long content;
    long last;
    boolean fresh = true;

    Bucket(Limit limit) {
      super(limit);
      this.b = limit.burst();
    }

    @Override
    Result acquire(long now, long k) {
      long full = b * p;
      long f = fresh ? full : Math.min(full, content + c * Math.min(now - last, full));
      if (k > b) {
        return Result.denied(f / p, ceilDiv(full - f, c), NEVER);
      }
      if (f >= k * p) {
        f -= k * p;
        if (k > 0) {
          content = f;
          last = now;
          fresh = false;
        }
        return Result.allowed(f / p, ceilDiv(full - f, c));
      }
      return Result.denied(f / p, ceilDiv(full - f, c), ceilDiv(k * p - f, c));
    }
  }

  /** A counter per epoch-aligned window. */
  static final class FixedWindow extends ReferenceModel {
    final Map<Long, Long> used = new HashMap<>();

    FixedWindow(Limit limit) {
      super(limit);
    }

    @Override
    Result acquire(long now, long k) {
      long w = Math.floorDiv(now, p) * p;
      long u = used.getOrDefault(w, 0L);
      long end = w + p - now;
      if (k > c) {
        return Result.denied(c - u, u > 0 ? end : 0, NEVER);
      }
      if (u + k <= c) {
        u += k;
        if (k > 0) {
          used.put(w, u);
        }
        return Result.allowed(c - u, u > 0 ? end : 0);
      }
      return Result.denied(c - u, end, end);
    }
  }

  /** Every admission with its time; the window (t - period, t] is summed on demand. */
  static final class SlidingLog extends ReferenceModel {
    final List<long[]> log = new ArrayList<>();

    SlidingLog(Limit limit) {
      super(limit);
    }

    long used(long t) {
      long sum = 0;
      for (long[] e : log) {
        if (e[0] > t - p && e[0] <= t) {
          sum += e[1];
        }
      }
      return sum;
    }

    long reset(long now) {
      long newest = Long.MIN_VALUE;
      for (long[] e : log) {
        if (e[0] > now - p) {
          newest = Math.max(newest, e[0]);
        }
      }
      return newest == Long.MIN_VALUE ? 0 : newest + p - now;
    }

    @Override
    Result acquire(long now, long k) {
      long u = used(now);
      if (k > c) {
        return Result.denied(c - u, reset(now), NEVER);
      }
      if (u + k <= c) {
        if (k > 0) {
          log.add(new long[] {now, k});
        }
        return Result.allowed(c - u - k, reset(now));
      }
      long retry = firstTime(now, now + p, t -> used(t) + k <= c);
      return Result.denied(c - u, reset(now), retry - now);
    }
  }

  /** Counts per epoch-aligned window; the estimate is recomputed from them at any time. */
  static final class SlidingCounter extends ReferenceModel {
    final Map<Long, Long> counts = new HashMap<>();

    SlidingCounter(Limit limit) {
      super(limit);
    }

    long estimate(long t) {
      long w = Math.floorDiv(t, p) * p;
      long prev = counts.getOrDefault(w - p, 0L);
      long curr = counts.getOrDefault(w, 0L);
      return ceilDiv(prev * (p - (t - w)), p) + curr;
    }

    @Override
    Result acquire(long now, long k) {
      long w = Math.floorDiv(now, p) * p;
      long prev = counts.getOrDefault(w - p, 0L);
      long curr = counts.getOrDefault(w, 0L);
      long est = estimate(now);
      if (k > c) {
        return Result.denied(Math.max(0, c - est), reset(w, prev, curr, now), NEVER);
      }
      if (est + k <= c) {
        if (k > 0) {
          counts.put(w, curr + k);
        }
        return Result.allowed(c - est - k, reset(w, prev, curr + k, now));
      }
      // The estimate only falls as time passes, and is 0 two windows on.
      long retry = firstTime(now, w + 2 * p, t -> estimate(t) + k <= c);
      return Result.denied(Math.max(0, c - est), reset(w, prev, curr, now), retry - now);
    }

    long reset(long w, long prev, long curr, long now) {
      return curr > 0 ? w + 2 * p - now : prev > 0 ? w + p - now : 0;
    }
  }
}
