package dev.sluice.internal;

import dev.sluice.CalendarPeriod;
import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Fixed window aligned to the epoch, or to the calendar of a time zone for a limit with a {@link
 * CalendarPeriod}. State {@code [windowStart, used]}. A clock that moved back into an earlier
 * window keeps counting in the stored (later) window: never fewer permits used.
 */
final class FixedWindow extends Transition {

  /** The calendar whose windows are counted in, or null for windows of p aligned to the epoch. */
  private final @Nullable CalendarPeriod calendar;

  FixedWindow(Limit limit) {
    super(limit);
    this.calendar = limit.calendar().orElse(null);
  }

  @Override
  public int width() {
    return 2;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    long w;
    long endsAt;
    if (calendar == null) {
      w = windowStart(now);
      endsAt = w + p;
    } else {
      CalendarPeriod.Window window = calendar.windowAt(now);
      w = window.startMicros();
      endsAt = window.endMicros();
    }
    long used = 0;
    if (s != null && s[o] >= w) {
      if (s[o] > w) { // a later window, left by a clock that went back
        endsAt = calendar == null ? s[o] + p : calendar.windowAt(s[o]).endMicros();
      }
      w = s[o];
      used = s[o + 1];
    }
    long end = endsAt - now;
    if (k > c) {
      out.deny(Math.max(0, c - used), used > 0 ? end : 0, Long.MAX_VALUE);
    } else if (used + k <= c || k == 0) {
      used += k;
      out.allow(Math.max(0, c - used), used > 0 ? end : 0);
      out.propose(w, used, 0);
    } else {
      out.deny(Math.max(0, c - used), end, end);
    }
  }

  /** Counts {@code k} in the current window (or a later one a clock that went back left). */
  @Override
  public long[] past(long @Nullable [] s, int o, long now, long k) {
    long w = calendar == null ? windowStart(now) : calendar.windowAt(now).startMicros();
    long used = 0;
    if (s != null && s[o] >= w) {
      w = s[o];
      used = s[o + 1];
    }
    long[] r = s != null ? s : new long[o + 2];
    r[o] = w;
    r[o + 1] = addCapped(used, k);
    return r;
  }

  /** Only the window holding now (or a later one a clock that went back left) gives back. */
  /** The count of the window holding now (or of a later one a clock that went back left). */
  @Override
  public @Nullable Carry carry(long @Nullable [] s, int o, long now) {
    if (s == null) {
      return null;
    }
    long w = calendar == null ? windowStart(now) : calendar.windowAt(now).startMicros();
    return s[o] >= w ? Carry.of(limit, s[o + 1]) : null;
  }

  @Override
  public boolean refund(long @Nullable [] s, int o, long now, long k) {
    long start = calendar == null ? windowStart(now) : calendar.windowAt(now).startMicros();
    if (s == null || s[o] < start) {
      return false; // no state, or permits counted in a window that is over
    }
    if (k > 0) {
      s[o + 1] = Math.max(0, s[o + 1] - k);
    }
    return s[o + 1] > 0;
  }
}
