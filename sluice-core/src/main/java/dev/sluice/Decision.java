package dev.sluice;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The answer to one {@link RateLimiter#tryAcquire(String, long)}: allowed or not, and the numbers a
 * client needs to behave (remaining permits, when the limit resets, when to retry).
 *
 * <p>When several limits apply to one key, the decision reports the one that decided, as {@link
 * DecidingLimit} chooses: when denied, the denying limit with the longest wait; when allowed, the
 * limit with the fewest permits left. Immutable.
 */
public final class Decision implements DecidingLimit.Candidate {

  /** {@link #retryAfter()} of a request that can never be admitted. */
  public static final Duration NEVER = ChronoUnit.FOREVER.getDuration();

  /** Why a decision came out as it did. */
  public enum Reason {
    /** The permits fit within every limit and were taken. */
    WITHIN_LIMIT,
    /** Some limit has too few permits left now; retry after {@link #retryAfter()}. */
    LIMIT_EXCEEDED,
    /** More permits were asked than the limit can ever hold (its burst or count): never retry. */
    PERMITS_EXCEED_CAPACITY,
    /** The in-memory store was full of live keys and this new key could not be tracked. */
    STORE_FULL,
    /** The backend (e.g. Redis) could not answer; the failure policy decided. */
    BACKEND_UNAVAILABLE,
    /**
     * The caller was interrupted while waiting for reserved permits; they were given back and the
     * thread's interrupt flag is set again.
     */
    INTERRUPTED
  }

  private final boolean allowed;
  private final Reason reason;
  private final Limit limit;
  private final long remaining;
  private final long resetAfterMicros;
  private final long retryAfterMicros;
  private final boolean degraded;

  private Decision(boolean allowed, Reason reason, Limit limit, long remaining,
      long resetAfterMicros, long retryAfterMicros, boolean degraded) {
    this.allowed = allowed;
    this.reason = reason;
    this.limit = limit;
    this.remaining = remaining;
    this.resetAfterMicros = resetAfterMicros;
    this.retryAfterMicros = retryAfterMicros;
    this.degraded = degraded;
  }

  /** An admission by {@code limit}, for backends. */
  public static Decision allowed(Limit limit, long remaining, long resetAfterMicros) {
    return new Decision(true, Reason.WITHIN_LIMIT, Objects.requireNonNull(limit), remaining,
        resetAfterMicros, 0, false);
  }

  /**
   * A denial by {@code limit}, for backends; {@code retryAfterMicros == Long.MAX_VALUE} means the
   * permits can never fit.
   */
  public static Decision denied(Limit limit, long remaining, long resetAfterMicros,
      long retryAfterMicros) {
    Reason reason = retryAfterMicros == Long.MAX_VALUE
        ? Reason.PERMITS_EXCEED_CAPACITY : Reason.LIMIT_EXCEEDED;
    return new Decision(false, reason, Objects.requireNonNull(limit), remaining, resetAfterMicros,
        retryAfterMicros, false);
  }

  /**
   * A decision made without the limit's state (a failure policy or a full store): flagged {@link
   * #degraded()}, reporting the limit's full count as remaining when allowed and none when denied.
   */
  public static Decision degraded(boolean allowed, Reason reason, Limit limit) {
    return new Decision(allowed, reason, Objects.requireNonNull(limit),
        allowed ? limit.capacity() : 0, 0, allowed ? 0 : limit.periodMicros(), true);
  }

  /**
   * The answer to a waiter interrupted before its reserved permits were due: denied with reason
   * {@link Reason#INTERRUPTED}, reporting {@code after} (the key's state once the permits were
   * given back) and the wait that was left as {@code retryAfter}.
   */
  public static Decision interrupted(Decision after, long waitLeftMicros) {
    return new Decision(false, Reason.INTERRUPTED, after.limit, after.remaining,
        after.resetAfterMicros, Math.max(0, waitLeftMicros), after.degraded);
  }

  /** This decision with the {@link #degraded()} flag set (e.g. answered by a local fallback). */
  public Decision asDegraded(Reason reason) {
    return new Decision(allowed, allowed ? this.reason : reason, limit, remaining,
        resetAfterMicros, retryAfterMicros, true);
  }

  /** Whether the permits were granted (and taken). */
  @Override
  public boolean allowed() {
    return allowed;
  }

  public Reason reason() {
    return reason;
  }

  /** The limit that decided. */
  public Limit limit() {
    return limit;
  }

  /** The deciding limit's name, as {@link Limit#name()}. */
  public String limitName() {
    return limit.name();
  }

  /** Permits left under the deciding limit after this decision. */
  @Override
  public long remaining() {
    return remaining;
  }

  /** Time until the deciding limit is fully replenished (no state left), as if no more requests came. */
  public Duration resetAfter() {
    return Durations.ofMicros(resetAfterMicros);
  }

  @Override
  public long resetAfterMicros() {
    return resetAfterMicros;
  }

  /**
   * When denied, the earliest wait after which the same request is admitted if nothing else
   * consumes; {@link Duration#ZERO} when allowed; {@link #NEVER} when the permits can never fit.
   */
  public Duration retryAfter() {
    return Durations.ofMicros(retryAfterMicros);
  }

  /** {@link #retryAfter()} in microseconds; {@code Long.MAX_VALUE} for never. */
  @Override
  public long retryAfterMicros() {
    return retryAfterMicros;
  }

  /** True when the answer did not come from the limit's real state (see {@link #reason()}). */
  public boolean degraded() {
    return degraded;
  }

  @Override
  public String toString() {
    return "Decision[" + (allowed ? "allowed" : "denied") + ", " + reason + ", limit="
        + limit.name() + ", remaining=" + remaining + ", resetAfter=" + resetAfterMicros
        + "µs, retryAfter=" + (retryAfterMicros == Long.MAX_VALUE ? "never" : retryAfterMicros + "µs")
        + (degraded ? ", degraded" : "") + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decision d
        && allowed == d.allowed && reason == d.reason && limit.equals(d.limit)
        && remaining == d.remaining && resetAfterMicros == d.resetAfterMicros
        && retryAfterMicros == d.retryAfterMicros && degraded == d.degraded;
  }

  @Override
  public int hashCode() {
    return Objects.hash(allowed, reason, limit, remaining, resetAfterMicros, retryAfterMicros,
        degraded);
  }
}
