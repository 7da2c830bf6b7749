package dev.sluice.redis;

import dev.sluice.CalendarPeriod;
import dev.sluice.Clock;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The period argument of a calendar window's limit in one script call: the windows the script may
 * need, {@code start,end,start,end,...} in µs and time order (see {@code fixed_window.lua}). Redis
 * keeps its own clock, so with the server's time the script gets the window holding this client's
 * time and the ones before and after it, and picks by {@code TIME}: exact while the two clocks
 * are less than a window apart. With a caller clock, each request's time is known: its own
 * window.
 */
final class CalendarBounds {

  /** A request decided at the server's time. */
  static final long SERVER_TIME = Long.MIN_VALUE;

  private final CalendarPeriod period;
  /** This client's clock, which places the windows around the server's time. */
  private final Clock clock;
  /** The argument for the server's time while this client's clock is in {@code window}. */
  private volatile @Nullable Cached cached;

  private record Cached(CalendarPeriod.Window window, String argument) {}

  CalendarBounds(CalendarPeriod period, Clock clock) {
    this.period = period;
    this.clock = clock;
  }

  /**
   * The argument for requests at {@code nows[0..n)} ({@link #SERVER_TIME} for the server's
   * time); for none, the windows around this client's time.
   */
  String argument(long[] nows, int n) {
    boolean server = n == 0;
    TreeMap<Long, CalendarPeriod.Window> windows = null;
    for (int j = 0; j < n; j++) {
      if (nows[j] == SERVER_TIME) {
        server = true;
        continue;
      }
      if (windows == null) {
        windows = new TreeMap<>();
      }
      CalendarPeriod.Window w = period.windowAt(nows[j]);
      windows.put(w.index(), w);
    }
    if (windows == null) {
      return aroundClock();
    }
    if (server) {
      around(clock.nowMicros(), windows);
    }
    return text(windows);
  }

  /** The windows around this client's time, cached while its clock stays in one window. */
  private String aroundClock() {
    long now = clock.nowMicros();
    Cached c = cached;
    if (c != null && c.window().contains(now)) {
      return c.argument();
    }
    TreeMap<Long, CalendarPeriod.Window> windows = new TreeMap<>();
    CalendarPeriod.Window current = around(now, windows);
    String argument = text(windows);
    cached = new Cached(current, argument);
    return argument;
  }

  /** {@code start,end,start,end,...} of {@code windows}, in order. */
  private static String text(TreeMap<Long, CalendarPeriod.Window> windows) {
    StringBuilder s = new StringBuilder();
    for (CalendarPeriod.Window w : windows.values()) {
      if (s.length() > 0) {
        s.append(',');
      }
      s.append(w.startMicros()).append(',').append(w.endMicros());
    }
    return s.toString();
  }

  /** Adds the window holding {@code now} and its neighbours to {@code windows}; returns it. */
  private CalendarPeriod.Window around(long now, TreeMap<Long, CalendarPeriod.Window> windows) {
    CalendarPeriod.Window current = period.windowAt(now);
    CalendarPeriod.Window previous = period.windowAt(current.startMicros() - 1);
    CalendarPeriod.Window next = period.windowAt(current.endMicros());
    windows.put(previous.index(), previous);
    windows.put(current.index(), current);
    windows.put(next.index(), next);
    return current;
  }
}
