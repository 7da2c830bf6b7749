package dev.sluice;

import java.util.Objects;

/**
 * What settling a {@link Hold} did. A hold is settled at most once: the first settle adjusts the
 * key by {@code actual - estimate} (a refund of the difference when the work cost less, the
 * difference taken past the limit when it cost more: a bucket goes into debt, a window counts past
 * its count); every later one, and one for a hold that is unknown or expired, changes nothing and
 * says so in its {@link Status}.
 *
 * @param status what happened
 * @param estimate the hold's estimate (0 when {@link Status#UNKNOWN})
 * @param actual the actual cost given to this settle
 * @param decision the key's state after: for a settle that took permits past the limit, as {@link
 *     RateLimiter#record}'s decision (denied when they did not fit); otherwise the zero-permit
 *     check of the key
 */
public record Settlement(Status status, long estimate, long actual, Decision decision) {

  /** What a settle found. */
  public enum Status {
    /** The hold was open: this settle adjusted the key. */
    SETTLED,
    /** No such hold: never held, held under another key or limiter, or expired. */
    UNKNOWN,
    /** Settled before (until the hold's timeout, after which it is {@link #UNKNOWN}). */
    ALREADY_SETTLED
  }

  public Settlement {
    Objects.requireNonNull(status, "status must not be null");
    Objects.requireNonNull(decision, "decision must not be null");
  }

  /** Whether this settle adjusted the key. */
  public boolean settled() {
    return status == Status.SETTLED;
  }
}
