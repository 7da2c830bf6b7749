package dev.sluice.internal;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.spi.Reservation;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One key under a list of limits, driven the way every backend drives the transitions: evaluate
 * all limits, then commit all of them only if all admit and {@code permits > 0}. No clock and no
 * expiry: the caller passes the time.
 */
final class Harness {
  final Transition[] transitions;
  final long @Nullable [][] states;

  Harness(List<Limit> limits) {
    transitions = new Transition[limits.size()];
    for (int i = 0; i < transitions.length; i++) {
      transitions[i] = Transition.of(limits.get(i));
    }
    states = new long[transitions.length][];
  }

  static Harness of(Limit... limits) {
    return new Harness(List.of(limits));
  }

  /** What each limit says about {@code permits} at {@code now}; changes nothing. */
  Outcome[] evaluate(long now, long permits) {
    Outcome[] outs = new Outcome[transitions.length];
    for (int i = 0; i < outs.length; i++) {
      outs[i] = new Outcome();
      transitions[i].evaluate(states[i], now, permits, outs[i]);
    }
    return outs;
  }

  /** The decision a backend would return, without taking anything. */
  Decision peek(long now, long permits) {
    return Decisions.combine(transitions, evaluate(now, permits));
  }

  /** Decides and, when every limit admits a positive number of permits, commits. */
  Decision acquire(long now, long permits) {
    Outcome[] outs = evaluate(now, permits);
    if (permits > 0 && Decisions.allAllowed(outs)) {
      for (int i = 0; i < outs.length; i++) {
        states[i] = transitions[i].commit(states[i], now, permits, outs[i]);
      }
    }
    return Decisions.combine(transitions, outs);
  }

  /**
   * Reserves: every limit evaluates with {@code maxWait}; when all admit a positive number of
   * permits (buckets possibly into debt) all commit and the wait is the longest; otherwise
   * nothing is written and a denial is acquire's.
   */
  Reservation reserve(long now, long permits, long maxWait) {
    Outcome[] outs = new Outcome[transitions.length];
    for (int i = 0; i < outs.length; i++) {
      outs[i] = new Outcome();
      transitions[i].evaluate(states[i], 0, now, permits, maxWait, outs[i]);
    }
    boolean all = Decisions.allAllowed(outs);
    if (permits > 0 && all) {
      for (int i = 0; i < outs.length; i++) {
        states[i] = transitions[i].commit(states[i], now, permits, outs[i]);
      }
      return new Reservation(Decisions.combine(transitions, outs), Decisions.wait(outs));
    }
    return Reservation.immediate(
        Decisions.combine(transitions, all ? outs : evaluate(now, permits)));
  }

  /** Gives {@code permits} back to every limit; returns the zero-permit check afterwards. */
  Decision refund(long now, long permits) {
    for (int i = 0; i < transitions.length; i++) {
      transitions[i].refund(states[i], 0, now, permits);
    }
    return peek(now, 0);
  }

  /** Forgets every limit's state. */
  void reset() {
    Arrays.fill(states, null);
  }

  /** An independent copy, state included. */
  Harness copy() {
    Harness h = new Harness(Arrays.stream(transitions).map(Transition::limit).toList());
    System.arraycopy(snapshot(), 0, h.states, 0, states.length);
    return h;
  }

  /** A deep copy of every limit's state, to compare before and after. */
  long @Nullable [][] snapshot() {
    long[][] copy = new long[states.length][];
    for (int i = 0; i < states.length; i++) {
      copy[i] = states[i] == null ? null : states[i].clone();
    }
    return copy;
  }

  boolean sameStateAs(long @Nullable [][] snapshot) {
    return Arrays.deepEquals(states, snapshot);
  }
}
