package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Sliding window log: at most {@code count} permits in every interval {@code (now - period, now]}.
 * State {@code [head, tail, t0, n0, t1, n1, ...]}: the admitted requests (time, permits) in time
 * order, live between indexes head and tail. Requests admitted in the same microsecond share an
 * entry, so a key holds at most {@code count} entries.
 */
final class SlidingWindowLog extends Transition {
  private static final int HEADER = 2;

  SlidingWindowLog(Limit limit) {
    super(limit);
  }

  /** Variable: the log lives in an array of its own (offset 0), grown as needed. */
  @Override
  public int width() {
    return -1;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    long used = 0;
    int first = HEADER;
    int tail = HEADER;
    long newest = Long.MIN_VALUE;
    if (s != null) {
      tail = (int) s[1];
      first = firstLive(s, now);
      for (int i = first; i < tail; i += 2) {
        used += s[i + 1];
      }
      if (first < tail) {
        newest = s[tail - 2];
      }
    }
    if (k > c) {
      out.deny(Math.max(0, c - used), reset(newest, now), Long.MAX_VALUE);
    } else if (used + k <= c || k == 0) {
      // A clock that went back appends at the newest time (see commit).
      out.allow(Math.max(0, c - used - k), k == 0 ? reset(newest, now) : Math.max(now, newest) + p - now);
    } else {
      long need = used + k - c;
      long freed = 0;
      long retry = 0;
      for (int i = first; i < tail; i += 2) {
        freed += s[i + 1];
        if (freed >= need) {
          retry = s[i] + p - now;
          break;
        }
      }
      out.deny(Math.max(0, c - used), reset(newest, now), retry);
    }
  }

  /** The log itself (a copy), when it holds permits in the window. */
  @Override
  public @Nullable Carry carry(long @Nullable [] s, int o, long now) {
    if (s == null) {
      return null;
    }
    long used = 0;
    for (int i = firstLive(s, now), tail = (int) s[1]; i < tail; i += 2) {
      used += s[i + 1];
    }
    return used > 0 ? new Carry(limit, used, 0, 0, s.clone()) : null;
  }

  /**
   * The predecessor's log, its times kept: read with this limit's count and period, an entry
   * counts until its time plus the new period.
   */
  @Override
  public long @Nullable [] adopt(Carry carry, long now) {
    long[] log = carry.log;
    return carry.takenBy(limit) && log != null ? log.clone() : null;
  }

  /**
   * Takes the permits off the newest entries still in the window {@code (now - period, ...]}:
   * each entry from the newest is dropped while it holds no more than what is left to give back,
   * and the first that holds more is reduced. Entries out of the window are never touched.
   */
  @Override
  public boolean refund(long @Nullable [] s, int o, long now, long k) {
    if (s == null) {
      return false;
    }
    int head = (int) s[0];
    int tail = (int) s[1];
    while (k > 0 && tail > head && s[tail - 2] > now - p) {
      long n = s[tail - 1];
      if (n <= k) {
        k -= n;
        tail -= 2;
      } else {
        s[tail - 1] = n - k;
        k = 0;
      }
    }
    s[1] = tail;
    return firstLive(s, now) < tail;
  }

  /**
   * Logs {@code k} at now, the permits in the window held to {@link #pastCap()}. While the window
   * has room (fewer than count permits in it) they are a new entry, as an admission's; once it is
   * full they are merged into the newest entry, whose time moves to now (those permits then count
   * until now + period: never shorter than they should), so a key holds at most count entries.
   */
  @Override
  public long[] past(long @Nullable [] s, int o, long now, long k) {
    long used = 0;
    if (s != null) {
      for (int i = firstLive(s, now), tail = (int) s[1]; i < tail; i += 2) {
        used += s[i + 1];
      }
    }
    long taken = addCapped(used, k) - used;
    if (s == null || used < c) {
      return commit(s, 0, now, taken, new Outcome());
    }
    if (taken == 0) {
      return s;
    }
    int head = firstLive(s, now); // used >= c > 0: at least one live entry
    int tail = (int) s[1];
    s[tail - 2] = Math.max(now, s[tail - 2]);
    s[tail - 1] += taken;
    s[0] = head;
    return s;
  }

  private int firstLive(long[] s, long now) {
    int i = (int) s[0];
    int tail = (int) s[1];
    while (i < tail && s[i] <= now - p) {
      i += 2;
    }
    return i;
  }

  private long reset(long newest, long now) {
    return newest == Long.MIN_VALUE ? 0 : Math.max(0, newest + p - now);
  }

  @Override
  public long[] commit(long @Nullable [] state, int o, long now, long k, Outcome out) {
    long[] s = state;
    if (s == null) {
      s = new long[HEADER + 2 * (int) Math.min(c, 4)];
      s[0] = HEADER;
      s[1] = HEADER;
    }
    int head = firstLive(s, now);
    int tail = (int) s[1];
    if (tail > head && s[tail - 2] >= now) { // same microsecond (or clock went back): merge
      s[tail - 1] += k;
      s[0] = head;
      return s;
    }
    if (tail + 2 > s.length) {
      int live = tail - head;
      long[] grown = live + 2 + HEADER <= s.length / 2 + 1 ? s
          : new long[(int) Math.min(HEADER + 2 * c, Math.max(s.length * 2L, live + 2 + HEADER))];
      System.arraycopy(s, head, grown, HEADER, live);
      s = grown;
      head = HEADER;
      tail = HEADER + live;
    }
    s[tail] = now;
    s[tail + 1] = k;
    s[0] = head;
    s[1] = tail + 2;
    return s;
  }
}
