package dev.sluice;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RateLimiter#hold} got: an estimated cost taken before the work, to be settled with
 * the actual cost after it ({@link RateLimiter#settle(Hold, long)}).
 *
 * <p>When {@link #held()} the estimate is taken and the store keeps the hold under {@link #id()}
 * until it is settled or its timeout passes (then it settles at its estimate: nothing is given
 * back or taken). When the request was refused, or answered by a failure policy while the store
 * was unavailable (a {@link Decision#degraded() degraded} decision), nothing is held and {@code
 * id} is null. See {@code docs/quotas.md}.
 *
 * @param key the key the estimate was taken from
 * @param id the hold's id (unguessable: 128 random bits), null when nothing is held
 * @param estimate the permits taken
 * @param decision the decision on the estimate, as {@link RateLimiter#tryAcquire(String, long)}
 */
public record Hold(String key, @Nullable String id, long estimate, Decision decision) {

  public Hold {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(decision, "decision must not be null");
  }

  /** Whether the estimate is held (taken, with an id to settle it). */
  public boolean held() {
    return id != null;
  }
}
