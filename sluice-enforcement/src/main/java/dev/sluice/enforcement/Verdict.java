package dev.sluice.enforcement;

import dev.sluice.DecidingLimit;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The answer for a whole request: one {@link Status} per descriptor (or per step of a front end),
 * in order. The request is refused when a status that is not a {@linkplain Status#quota() quota}
 * is {@linkplain Status#overLimit() over limit}, or when the request has quota statuses and every
 * one of them is over limit (envoy ratelimit's {@code quota_mode}); the {@linkplain #deciding() deciding} status is what headers, a 429 body and envoy's response
 * describe. Immutable.
 */
public final class Verdict {

  private static final Verdict EMPTY = new Verdict(List.of());

  private final List<Status> statuses;
  private final boolean overLimit;
  private final boolean shadowed;

  private Verdict(List<Status> statuses) {
    this.statuses = List.copyOf(statuses);
    this.overLimit = refuses(this.statuses);
    this.shadowed = false;
  }

  private Verdict(Verdict refused) {
    this.statuses = refused.statuses;
    this.overLimit = false;
    this.shadowed = true;
  }

  /**
   * Whether {@code statuses} refuse a request: one over limit that is not a quota, or quotas that
   * are all over limit.
   */
  private static boolean refuses(List<Status> statuses) {
    int quotas = 0;
    int quotasOver = 0;
    for (Status s : statuses) {
      if (s.quota()) {
        quotas++;
        quotasOver += s.overLimit() ? 1 : 0;
      } else if (s.overLimit()) {
        return true;
      }
    }
    return quotas > 0 && quotasOver == quotas;
  }

  /**
   * This verdict with every status a quota (envoy's global {@code QUOTA_MODE}, {@link
   * Status#asQuota()}): refused only when every status that is not unlimited is over its limit.
   */
  public Verdict asQuotas() {
    List<Status> out = new ArrayList<>(statuses.size());
    for (Status s : statuses) {
      out.add(s.asQuota());
    }
    return of(out);
  }

  /**
   * This verdict answered as global shadow mode answers (envoy's {@code SHADOW_MODE}): a refusal
   * becomes an admission whose statuses stay as decided (over limit ones included, as envoy
   * reports them) and whose {@linkplain #deciding() deciding} status is still the refusing one;
   * an admission is itself.
   */
  public Verdict shadowed() {
    return overLimit ? new Verdict(this) : this;
  }

  /** Whether the request's limits refused it and global shadow mode admitted it. */
  public boolean shadowedOverLimit() {
    return shadowed;
  }

  /** A verdict of {@code statuses}, in request order. */
  public static Verdict of(List<Status> statuses) {
    return statuses.isEmpty() ? EMPTY : new Verdict(statuses);
  }

  /** A verdict of one status. */
  public static Verdict of(Status status) {
    return new Verdict(List.of(status));
  }

  /** Nothing decided: allowed, nothing limited. */
  public static Verdict empty() {
    return EMPTY;
  }

  /** This verdict's statuses followed by {@code next}'s (a front end's steps in order). */
  public Verdict and(Verdict next) {
    if (next.statuses.isEmpty()) {
      return this;
    }
    if (statuses.isEmpty()) {
      return next;
    }
    List<Status> all = new ArrayList<>(statuses);
    all.addAll(next.statuses);
    return new Verdict(all);
  }

  /** One status per descriptor or step, in order. */
  public List<Status> statuses() {
    return statuses;
  }

  /**
   * Whether the request is refused: a status that is not a quota is over limit, or every quota
   * status is.
   */
  public boolean overLimit() {
    return overLimit;
  }

  /** Whether the request may go on. */
  public boolean allowed() {
    return !overLimit;
  }

  /** Whether some status was answered without its limit's state (see {@link Status#degraded()}). */
  public boolean degraded() {
    return statuses.stream().anyMatch(Status::degraded);
  }

  /** The statuses a limit applied to, in order (shadow ones included). */
  public List<Status> limited() {
    List<Status> out = new ArrayList<>(statuses.size());
    for (Status s : statuses) {
      if (s.limited()) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * The status that decides, by the one rule of {@link DecidingLimit} over the {@linkplain
   * #limited() limited} statuses: when refused, the over-limit one with the longest wait; else the
   * one with the fewest permits left (ties: the later reset, then the earlier). Null when nothing
   * was limited.
   */
  public @Nullable Status deciding() {
    List<Status> limited = limited();
    return limited.isEmpty() ? null
        : limited.get(DecidingLimit.index(limited, overLimit || shadowed));
  }

  @Override
  public String toString() {
    return "Verdict[" + (overLimit ? "over limit" : shadowed ? "ok (shadowed over limit)" : "ok")
        + ", " + statuses + "]";
  }
}
