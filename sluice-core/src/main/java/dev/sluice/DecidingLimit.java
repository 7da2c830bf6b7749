package dev.sluice;

import java.util.List;

/**
 * The one rule for which answer decides when several limits answer one request: the several
 * limits of one key (a backend combining them into one {@link Decision}), and the several
 * descriptors or steps of one request at a front end (the deciding limit its headers, 429 body
 * and envoy response describe). Every place that chooses calls this class.
 *
 * <ul>
 *   <li><b>Denied</b>: among the answers that deny, the one with the longest {@code retryAfter};
 *       ties keep the earlier answer. The request can only pass once every denying limit has
 *       room, so the longest wait is the only honest {@code Retry-After}: a shorter one sends the
 *       client back to be denied again. Answers that admit are never chosen (they would admit
 *       later too).
 *   <li><b>Allowed</b>: the answer with the fewest permits {@code remaining}; ties go to the
 *       later {@code resetAfter}, then to the earlier answer. The fewest permits left is the
 *       limit closest to denying, the one a client should pace itself by; of two equally tight
 *       limits, the one that takes longer to refill stays tight longer, so it binds.
 * </ul>
 *
 * <p>"Earlier" is the order the caller lists the answers in (a key's limits as configured, a
 * request's descriptors as sent), so the choice is stable.
 */
public final class DecidingLimit {

  private DecidingLimit() {}

  /** The numbers of one answer the rule reads. */
  public interface Candidate {
    /** Whether this answer admits the request (a shadow-mode denial admits). */
    boolean allowed();

    /** Permits left under this answer's limit. */
    long remaining();

    /** Microseconds until this answer's limit is full again. */
    long resetAfterMicros();

    /** Microseconds until a denied request would be admitted; {@code Long.MAX_VALUE}: never. */
    long retryAfterMicros();
  }

  /**
   * Whether {@code candidate} decides rather than {@code best}, the answer chosen so far (which
   * comes earlier), when the request as a whole is {@code denied} or not.
   */
  public static boolean precedes(Candidate candidate, Candidate best, boolean denied) {
    if (denied) {
      if (candidate.allowed()) {
        return false;
      }
      return best.allowed() || candidate.retryAfterMicros() > best.retryAfterMicros();
    }
    long remaining = candidate.remaining();
    long bestRemaining = best.remaining();
    return remaining < bestRemaining
        || (remaining == bestRemaining && candidate.resetAfterMicros() > best.resetAfterMicros());
  }

  /**
   * The index of the deciding answer in {@code candidates} (not empty), when the request as a
   * whole is {@code denied} or not; when denied, at least one candidate should deny.
   */
  public static int index(List<? extends Candidate> candidates, boolean denied) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no candidates");
    }
    int pick = 0;
    for (int i = 1; i < candidates.size(); i++) {
      if (precedes(candidates.get(i), candidates.get(pick), denied)) {
        pick = i;
      }
    }
    return pick;
  }
}
