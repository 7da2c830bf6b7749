package dev.sluice.internal;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one limit's state of a key hands over when the key moves to changed limits (a reload that
 * changes a rule's count, period or burst): the permits the old limit counts as used at the
 * instant of the move, in a form every algorithm's state (rows, packed words, Lua) produces and
 * takes the same way. The successor's state is built from it by {@link Transition#adopt} or
 * {@link Packed#adopt}; only a successor of the same algorithm takes anything (a fresh start
 * otherwise). Per algorithm (see {@code docs/algorithms.md}):
 *
 * <ul>
 *   <li>token bucket and GCRA: {@link #used} is the deficit, the permits that have not refilled
 *       yet, {@code ceil(debt / T)} (a partly refilled permit counts as used); the successor
 *       takes it into its own bucket as {@link Transition#past} does from a full one, so the
 *       deficit is re-expressed in the new emission interval and never leaves more tokens than
 *       the new burst;
 *   <li>fixed window: {@link #used} is the count of the window holding now; the successor counts
 *       it in its window holding now (the same window when the period is unchanged);
 *   <li>sliding window counter: {@link #previous} and {@link #current}, the counts of the window
 *       holding now and of the one before, are kept as they are when the period is unchanged;
 *       otherwise the successor counts the estimate {@link #used} in its current window;
 *   <li>sliding window log: the {@link #log} itself, read with the successor's count and period.
 * </ul>
 */
public final class Carry {
  final Limit from;
  /** Permits the old limit counts as used at the instant of the move (> 0). */
  final long used;
  /** Sliding window counter: the previous window's count. */
  final long previous;
  /** Sliding window counter: the current window's count. */
  final long current;
  /** Sliding window log: the log (a copy). */
  final long @Nullable [] log;

  Carry(Limit from, long used, long previous, long current, long @Nullable [] log) {
    this.from = from;
    this.used = used;
    this.previous = previous;
    this.current = current;
    this.log = log;
  }

  /** The carry of {@code used} permits, or null when nothing is used. */
  static @Nullable Carry of(Limit from, long used) {
    return used > 0 ? new Carry(from, used, 0, 0, null) : null;
  }

  /** Permits the old limit counted as used at the move. */
  public long used() {
    return used;
  }

  /** Whether a successor of {@code limit} takes anything from this carry: the same algorithm. */
  boolean takenBy(Limit limit) {
    return from.algorithm() == limit.algorithm();
  }

  /**
   * How long after a move a predecessor's states can still matter: the longest time any of its
   * limits keeps state (a bucket's refill from empty, two periods for a window, whose previous
   * window a sliding window counter still weighs). After it, every state of the predecessor
   * equals "no state" unless it was taken into debt beyond its burst (reservations and recorded
   * usage), which is then not carried.
   */
  public static long horizonMicros(List<Limit> limits) {
    long longest = 0;
    for (Limit l : limits) {
      long h = l.algorithm() == Algorithm.TOKEN_BUCKET || l.algorithm() == Algorithm.GCRA
          ? MulDiv.ceil(l.burst(), l.periodMicros(), l.count())
          : Math.multiplyExact(2, l.periodMicros());
      longest = Math.max(longest, h);
    }
    return longest;
  }
}
