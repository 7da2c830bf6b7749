package dev.sluice.internal;

import dev.sluice.DecidingLimit;
import dev.sluice.Decision;

/** Turns the outcomes of a key's limits into the one {@link Decision} the caller sees. */
public final class Decisions {
  private Decisions() {}

  /** True when every limit admitted. */
  public static boolean allAllowed(Outcome[] outcomes) {
    for (Outcome o : outcomes) {
      if (!o.allowed) {
        return false;
      }
    }
    return true;
  }

  /** The wait of an admission: the longest of its limits' ({@link Outcome#wait}). */
  public static long wait(Outcome[] outcomes) {
    long wait = 0;
    for (Outcome o : outcomes) {
      wait = Math.max(wait, o.wait);
    }
    return wait;
  }

  /**
   * The decision for all limits together, reported by the limit {@link DecidingLimit} chooses:
   * allowed, the one with the fewest permits left (ties: the later reset); denied, the denying
   * limit with the longest retry.
   */
  public static Decision combine(Transition[] transitions, Outcome[] outcomes) {
    int pick = 0;
    boolean allowed = allAllowed(outcomes);
    for (int i = 1; i < outcomes.length; i++) {
      if (DecidingLimit.precedes(outcomes[i], outcomes[pick], !allowed)) {
        pick = i;
      }
    }
    Outcome o = outcomes[pick];
    return allowed
        ? Decision.allowed(transitions[pick].limit(), o.remaining, o.resetAfter)
        : Decision.denied(transitions[pick].limit(), o.remaining, o.resetAfter, o.retryAfter);
  }
}
