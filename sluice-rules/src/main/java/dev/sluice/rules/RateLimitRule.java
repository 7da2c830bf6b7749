package dev.sluice.rules;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The limit part of a descriptor rule: envoy's {@code rate_limit} block, or Sluice's {@code
 * rate_limits} list of several limits applied all-or-nothing.
 *
 * <p>Either {@link #unlimited()} (no limits: the request is always allowed, as envoy's {@code
 * unlimited: true}) or at least one {@link RuleLimit}.
 */
public final class RateLimitRule {

  private final boolean unlimited;
  private final @Nullable String unlimitedName;
  private final List<String> unlimitedReplaces;
  private final List<RuleLimit> limits;

  private RateLimitRule(
      boolean unlimited,
      @Nullable String unlimitedName,
      List<String> unlimitedReplaces,
      List<RuleLimit> limits) {
    this.unlimited = unlimited;
    this.unlimitedName = unlimitedName;
    this.unlimitedReplaces = List.copyOf(unlimitedReplaces);
    this.limits = List.copyOf(limits);
  }

  static RateLimitRule unlimited(@Nullable String name, List<String> replaces) {
    return new RateLimitRule(true, name, replaces, List.of());
  }

  static RateLimitRule of(List<RuleLimit> limits) {
    if (limits.isEmpty()) {
      throw new IllegalArgumentException("a limited rule needs at least one limit");
    }
    return new RateLimitRule(false, null, List.of(), limits);
  }

  /** True for {@code unlimited: true}: matching requests are allowed and not counted. */
  public boolean unlimited() {
    return unlimited;
  }

  /** The limits, in file order; empty exactly when {@link #unlimited()}. */
  public List<RuleLimit> limits() {
    return limits;
  }

  /** Every {@code name} given (one per limit, or the unlimited block's name). */
  public Set<String> names() {
    Set<String> names = new LinkedHashSet<>();
    if (unlimitedName != null) {
      names.add(unlimitedName);
    }
    for (RuleLimit l : limits) {
      l.name().ifPresent(names::add);
    }
    return names;
  }

  /** Every name this rule replaces, from all its limits (or its unlimited block). */
  public List<String> replaces() {
    List<String> all = new ArrayList<>(unlimitedReplaces);
    for (RuleLimit l : limits) {
      all.addAll(l.replaces());
    }
    return List.copyOf(all);
  }

  /** For example {@code unlimited} or {@code 10/second FIXED_WINDOW; 1000/day FIXED_WINDOW}. */
  public String describe() {
    if (unlimited) {
      StringBuilder s = new StringBuilder("unlimited");
      if (unlimitedName != null) {
        s.append(" name=").append(unlimitedName);
      }
      if (!unlimitedReplaces.isEmpty()) {
        s.append(" replaces=").append(String.join(",", unlimitedReplaces));
      }
      return s.toString();
    }
    StringBuilder s = new StringBuilder();
    for (RuleLimit l : limits) {
      if (s.length() > 0) {
        s.append("; ");
      }
      s.append(l.describe());
    }
    return s.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RateLimitRule r
        && unlimited == r.unlimited
        && Objects.equals(unlimitedName, r.unlimitedName)
        && unlimitedReplaces.equals(r.unlimitedReplaces)
        && limits.equals(r.limits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(unlimited, unlimitedName, unlimitedReplaces, limits);
  }

  @Override
  public String toString() {
    return "RateLimitRule[" + describe() + "]";
  }
}
