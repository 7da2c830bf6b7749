package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Fixed window aligned to the epoch. State {@code [windowStart, used]}. A clock that moved back
 * into an earlier window keeps counting in the stored (later) window: never fewer permits used.
 */
final class FixedWindow extends Transition {

  FixedWindow(Limit limit) {
    super(limit);
  }

  @Override
  public int width() {
    return 2;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    long w = windowStart(now);
    long used = 0;
    if (s != null && s[o] >= w) {
      w = s[o];
      used = s[o + 1];
    }
    long end = w + p - now;
    if (k > c) {
      out.deny(c - used, used > 0 ? end : 0, Long.MAX_VALUE);
    } else if (used + k <= c || k == 0) {
      used += k;
      out.allow(Math.max(0, c - used), used > 0 ? end : 0);
      out.propose(w, used, 0);
    } else {
      out.deny(c - used, end, end);
    }
  }

  /** Only the window holding now (or a later one a clock that went back left) gives back. */
  @Override
  public boolean refund(long @Nullable [] s, int o, long now, long k) {
    if (s == null || s[o] < windowStart(now)) {
      return false; // no state, or permits counted in a window that is over
    }
    if (k > 0) {
      s[o + 1] = Math.max(0, s[o + 1] - k);
    }
    return s[o + 1] > 0;
  }
}
