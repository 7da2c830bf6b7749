package dev.sluice.enforcement;

import dev.sluice.DecidingLimit;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLimit;
import dev.sluice.rules.RuleMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The answer for one part of a request: one descriptor (its rule, or none), or one set of limits
 * a front end applies outside rules (a servlet filter's plain limits, a handler's). Immutable.
 *
 * <p>A status is <em>limited</em> when a limit applied: a limiter decided it, or its rule denies
 * every request ({@code requests_per_unit: 0}). It is <em>over limit</em> when it refuses the
 * request: limited, denied, and not in shadow mode. A shadow-mode status reports what its limit
 * said but never refuses. A {@linkplain #quota() quota} status (envoy's {@code quota_mode}) over
 * its limit refuses only together with the request's other quota statuses: the {@link Verdict}
 * refuses when every quota status of the request is over its limit.
 */
public final class Status implements DecidingLimit.Candidate {

  private final @Nullable Descriptor descriptor;
  private final @Nullable RuleMatch match;
  private final @Nullable RuleLimit ruleLimit;
  private final @Nullable Decision decision;
  private final @Nullable Quota limit;
  private final List<Quota> limits;
  private final boolean shadow;
  private final boolean quota;
  private final boolean unlimited;
  private final boolean overLimit;
  private final long remaining;
  private final long resetAfterMicros;
  private final long retryAfterMicros;

  private Status(@Nullable Descriptor descriptor, @Nullable RuleMatch match,
      @Nullable RuleLimit ruleLimit, @Nullable Decision decision, @Nullable Quota limit,
      List<Quota> limits, boolean shadow, boolean quota, boolean unlimited, boolean overLimit,
      long remaining, long resetAfterMicros, long retryAfterMicros) {
    this.descriptor = descriptor;
    this.match = match;
    this.ruleLimit = ruleLimit;
    this.decision = decision;
    this.limit = limit;
    this.limits = List.copyOf(limits);
    this.shadow = shadow;
    this.quota = quota;
    this.unlimited = unlimited;
    this.overLimit = overLimit;
    this.remaining = remaining;
    this.resetAfterMicros = resetAfterMicros;
    this.retryAfterMicros = retryAfterMicros;
  }

  /** A descriptor no rule matched: admitted, not counted. */
  public static Status noRule(Descriptor descriptor) {
    return new Status(descriptor, null, null, null, null, List.of(), false, false, false, false, 0,
        0, 0);
  }

  /** A descriptor whose rule is {@code unlimited}: admitted, not counted. */
  public static Status unlimited(Descriptor descriptor, RuleMatch match) {
    return new Status(descriptor, match, null, null, null, List.of(), false, false, true, false, 0,
        0, 0);
  }

  /**
   * A descriptor whose rule has a limit of 0 requests: over limit (unless in shadow mode), nothing
   * left, reset after one period of that limit, never admitted.
   */
  public static Status deniesAll(Descriptor descriptor, RuleMatch match) {
    RuleLimit zero = match.limits().stream().filter(RuleLimit::deniesAll).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(match + " does not deny all"));
    boolean shadow = match.shadowMode();
    return new Status(descriptor, match, zero, null, Quota.of(zero, match), quotas(match), shadow,
        match.quotaMode(), false, !shadow, 0, zero.unit().micros() * zero.unitMultiplier(), Long.MAX_VALUE);
  }

  /** A descriptor decided by the limiter of its rule's limits. */
  public static Status decided(Descriptor descriptor, RuleMatch match, Decision decision) {
    RuleLimit rl = deciding(match, decision);
    boolean shadow = match.shadowMode();
    return new Status(descriptor, match, rl, decision, Quota.of(rl, match), quotas(match), shadow,
        match.quotaMode(), false, !decision.allowed() && !shadow, decision.remaining(), decision.resetAfterMicros(),
        decision.retryAfterMicros());
  }

  /**
   * Limits applied outside rules (a filter's plain limits, a handler's): {@code decision} from a
   * limiter of {@code applied}, which refuses when it denies.
   */
  public static Status of(Decision decision, List<Limit> applied) {
    List<Quota> all = new ArrayList<>(applied.size());
    applied.forEach(l -> all.add(Quota.of(l)));
    return new Status(null, null, null, decision, Quota.of(decision.limit()), all, false, false,
        false, !decision.allowed(), decision.remaining(), decision.resetAfterMicros(),
        decision.retryAfterMicros());
  }

  /**
   * This status in quota mode (envoy's global {@code QUOTA_MODE}): as decided, over its limit or
   * not, but refusing only when every quota status of the request is over its limit. An
   * unlimited status, never counted, is itself (envoy leaves unlimited descriptors out).
   */
  public Status asQuota() {
    if (quota || unlimited) {
      return this;
    }
    return new Status(descriptor, match, ruleLimit, decision, limit, limits, shadow, true,
        unlimited, overLimit, remaining, resetAfterMicros, retryAfterMicros);
  }

  /** The rule limit whose core limit decided; the match's first when none equals it. */
  private static RuleLimit deciding(RuleMatch m, Decision d) {
    for (RuleLimit l : m.limits()) {
      if (l.limit().isPresent() && l.limit().get().equals(d.limit())) {
        return l;
      }
    }
    return m.limits().get(0);
  }

  private static List<Quota> quotas(RuleMatch m) {
    List<Quota> out = new ArrayList<>(m.limits().size());
    m.limits().forEach(l -> out.add(Quota.of(l, m)));
    return out;
  }

  /** The descriptor; null for limits applied outside rules. */
  public @Nullable Descriptor descriptor() {
    return descriptor;
  }

  /** The rule the descriptor matched; null when none did, or outside rules. */
  public @Nullable RuleMatch match() {
    return match;
  }

  /** The rule's limit that decided (the zero one for a rule denying all); null otherwise. */
  public @Nullable RuleLimit ruleLimit() {
    return ruleLimit;
  }

  /** The limiter's decision; null when no limiter was asked (no rule, unlimited, deny-all). */
  public @Nullable Decision decision() {
    return decision;
  }

  /** The limit that decided, as clients are told of it; null when not {@link #limited()}. */
  public @Nullable Quota limit() {
    return limit;
  }

  /** Every limit that applied, in order (the deciding one among them); empty when not limited. */
  public List<Quota> limits() {
    return limits;
  }

  /** Whether a limit applied: a limiter decided, or the rule denies every request. */
  public boolean limited() {
    return limit != null;
  }

  /**
   * Whether this status is over its limit: limited, denied, not in shadow mode. It refuses the
   * request unless it is a {@linkplain #quota() quota} status, which refuses only together with
   * the request's other quota statuses ({@link Verdict#overLimit()}).
   */
  public boolean overLimit() {
    return overLimit;
  }

  /** Whether the request may go on as far as this status is concerned: not {@link #overLimit()}. */
  @Override
  public boolean allowed() {
    return !overLimit;
  }

  /** Whether the rule is in shadow mode: reported, never refusing. */
  public boolean shadow() {
    return shadow;
  }

  /**
   * Whether this is a quota (envoy's {@code quota_mode} on the rule, or the global {@code
   * QUOTA_MODE}): over its limit, it refuses the request only when every quota status of the
   * request is over its limit too.
   */
  public boolean quota() {
    return quota;
  }

  /** Whether the rule is {@code unlimited}. */
  public boolean unlimited() {
    return unlimited;
  }

  /** Whether the rule denies every request ({@code requests_per_unit: 0}). */
  public boolean deniesAll() {
    return ruleLimit != null && ruleLimit.deniesAll();
  }

  /** Whether the answer did not come from the limit's state (a failure policy, a full store). */
  public boolean degraded() {
    return decision != null && decision.degraded();
  }

  /** Permits left under the deciding limit (what the limiter reported, even when denied). */
  @Override
  public long remaining() {
    return remaining;
  }

  /** Microseconds until the deciding limit is full again. */
  @Override
  public long resetAfterMicros() {
    return resetAfterMicros;
  }

  /** Microseconds until a refused request would pass; {@code Long.MAX_VALUE}: never. */
  @Override
  public long retryAfterMicros() {
    return retryAfterMicros;
  }

  /**
   * What happened, as metrics count it; {@link Outcome#NEAR_LIMIT} when less than a tenth of the
   * deciding limit is left (the same as {@link #outcome(double) outcome(0.9)}).
   */
  public Outcome outcome() {
    Outcome o = unadmitted();
    if (o != null) {
      return o;
    }
    return decision.remaining() * 10 < decision.limit().capacity()
        ? Outcome.NEAR_LIMIT : Outcome.OK;
  }

  /**
   * What happened, as metrics count it, with envoy ratelimit's near-limit rule: an admitted
   * request is {@link Outcome#NEAR_LIMIT} when the deciding limit's use after it is over {@code
   * floor(capacity × nearLimitRatio)} (envoy's {@code NEAR_LIMIT_RATIO}, 0.8 there by default).
   *
   * @param nearLimitRatio between 0 and 1
   */
  public Outcome outcome(double nearLimitRatio) {
    if (!(nearLimitRatio >= 0 && nearLimitRatio <= 1)) {
      throw new IllegalArgumentException("nearLimitRatio must be between 0 and 1: "
          + nearLimitRatio);
    }
    Outcome o = unadmitted();
    if (o != null) {
      return o;
    }
    long capacity = decision.limit().capacity();
    long used = capacity - Math.max(0, decision.remaining());
    return used > (long) Math.floor(capacity * nearLimitRatio) ? Outcome.NEAR_LIMIT : Outcome.OK;
  }

  /** The outcome when the request was not counted against room left, else null. */
  private @Nullable Outcome unadmitted() {
    if (unlimited) {
      return Outcome.UNLIMITED;
    }
    if (limit == null) {
      return Outcome.NO_RULE;
    }
    if (decision == null || !decision.allowed()) {
      return shadow ? Outcome.SHADOW_OVER_LIMIT : Outcome.OVER_LIMIT;
    }
    return null;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Status s
        && Objects.equals(descriptor, s.descriptor) && Objects.equals(match, s.match)
        && Objects.equals(ruleLimit, s.ruleLimit) && Objects.equals(decision, s.decision)
        && Objects.equals(limit, s.limit) && limits.equals(s.limits) && shadow == s.shadow
        && quota == s.quota && unlimited == s.unlimited && overLimit == s.overLimit
        && remaining == s.remaining
        && resetAfterMicros == s.resetAfterMicros && retryAfterMicros == s.retryAfterMicros;
  }

  @Override
  public int hashCode() {
    return Objects.hash(descriptor, match, decision, limit, overLimit, remaining);
  }

  @Override
  public String toString() {
    String what = unlimited ? "unlimited" : limit == null ? "no rule"
        : (overLimit ? "over limit" : "ok") + " by " + limit.name() + ", remaining " + remaining;
    return "Status[" + (descriptor == null ? "limits" : descriptor.toString()) + ": " + what
        + (shadow ? " (shadow)" : "") + (quota ? " (quota)" : "") + "]";
  }
}
