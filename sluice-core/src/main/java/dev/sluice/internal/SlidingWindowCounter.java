package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Sliding window counter. State {@code [windowStart, previous, current]}: the counts of the
 * epoch-aligned window holding now and of the one before. The previous count is weighted by the
 * share of it the sliding window {@code (now - period, now]} still covers, rounded up, so the
 * estimate never undercounts: {@code ceil(previous × (period - elapsed) / period) + current}.
 */
final class SlidingWindowCounter extends Transition {

  SlidingWindowCounter(Limit limit) {
    super(limit);
  }

  @Override
  public int width() {
    return 3;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    long w = windowStart(now);
    long prev = 0;
    long curr = 0;
    if (s != null) {
      if (s[o] >= w) { // same window (or a clock that went back: keep the later window)
        w = s[o];
        prev = s[o + 1];
        curr = s[o + 2];
      } else if (s[o] == w - p) {
        prev = s[o + 2];
      }
    }
    long elapsed = Math.max(0, now - w);
    long weighted = prev == 0 ? 0 : MulDiv.ceil(prev, p - elapsed, p);
    if (k > c) {
      out.deny(Math.max(0, c - weighted - curr), reset(p, w, prev, curr, now), Long.MAX_VALUE);
    } else if (weighted + curr + k <= c || k == 0) {
      curr += k;
      out.allow(Math.max(0, c - weighted - curr), reset(p, w, prev, curr, now));
      out.propose(w, prev, curr);
    } else {
      out.deny(Math.max(0, c - weighted - curr), reset(p, w, prev, curr, now),
          retry(c, p, w, prev, curr, now, k));
    }
  }

  /** Counts {@code k} in the current window (the stored one when it is current or later). */
  @Override
  public long[] past(long @Nullable [] s, int o, long now, long k) {
    long w = windowStart(now);
    long prev = 0;
    long curr = 0;
    if (s != null) {
      if (s[o] >= w) {
        w = s[o];
        prev = s[o + 1];
        curr = s[o + 2];
      } else if (s[o] == w - p) {
        prev = s[o + 2];
      }
    }
    long[] r = s != null ? s : new long[o + 3];
    r[o] = w;
    r[o + 1] = prev;
    r[o + 2] = addCapped(curr, k);
    return r;
  }

  /**
   * The current window's count gives back (at least to 0); the previous window's weighted count
   * is untouched, and a stored window that is over gives back nothing.
   */
  /** Both counts as seen from now's window, and the estimate they make now. */
  @Override
  public @Nullable Carry carry(long @Nullable [] s, int o, long now) {
    if (s == null) {
      return null;
    }
    Outcome out = new Outcome();
    evaluate(s, o, now, 0, out); // a check proposes the state seen from now's window
    long w = out.s0;
    long prev = out.s1;
    long curr = out.s2;
    long weighted = prev == 0 ? 0 : MulDiv.ceil(prev, p - Math.max(0, now - w), p);
    return weighted + curr > 0 ? new Carry(limit, weighted + curr, prev, curr, null) : null;
  }

  /**
   * With the period unchanged, both windows' counts as they were (each at most {@link
   * #pastCap()}); with another period, the estimate counted in the current window.
   */
  @Override
  public long @Nullable [] adopt(Carry carry, long now) {
    if (carry.takenBy(limit) && carry.from.periodMicros() == p) {
      return new long[] {windowStart(now), Math.min(carry.previous, pastCap()),
          Math.min(carry.current, pastCap())};
    }
    return super.adopt(carry, now);
  }

  @Override
  public boolean refund(long @Nullable [] s, int o, long now, long k) {
    if (s == null) {
      return false;
    }
    long w = windowStart(now);
    if (s[o] >= w) {
      if (k > 0) {
        s[o + 2] = Math.max(0, s[o + 2] - k);
      }
      return s[o + 1] > 0 || s[o + 2] > 0;
    }
    return s[o] == w - p && s[o + 2] > 0; // its count is now the previous window's
  }

  /**
   * Microseconds until {@code k} permits fit, if nothing else is admitted meanwhile, for count
   * {@code c} and period {@code p}, with the window starting at {@code w} holding {@code prev} and
   * {@code curr}.
   */
  static long retry(long c, long p, long w, long prev, long curr, long now, long k) {
    long room = c - curr - k;
    if (room >= 0 && prev > 0) {
      // In this window: need ceil(prev × (w + p - t) / p) <= room.
      long t = w + p - MulDiv.floor(room, p, prev);
      if (t < w + p) {
        return Math.max(t, now) - now;
      }
    }
    // In the next window the current count becomes the previous one: ceil(curr × (p - e) / p)
    // <= c - k, where e is the time elapsed in that window.
    long e = curr == 0 ? 0 : Math.max(0, p - MulDiv.floor(c - k, p, curr));
    return w + p + e - now;
  }

  /** Microseconds until the counts no longer matter (the state equals no state). */
  static long reset(long p, long w, long prev, long curr, long now) {
    if (curr > 0) {
      return w + 2 * p - now;
    }
    return prev > 0 ? w + p - now : 0;
  }
}
