package dev.sluice.rules;

import dev.sluice.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rule one request descriptor matched, and what to do with it: the limits to apply (all or
 * nothing), whether it is {@linkplain #unlimited() unlimited} or in {@linkplain #shadowMode()
 * shadow mode}, and the {@linkplain #counterKey() counter key} to count it under. Immutable.
 */
public final class RuleMatch {

  private final String domain;
  private final Descriptor descriptor;
  private final DescriptorRule rule;
  private final List<RuleLimit> limits;
  private final String counterKey;
  private final String metricKey;
  private final String ruleKey;

  RuleMatch(
      String domain,
      Descriptor descriptor,
      DescriptorRule rule,
      List<RuleLimit> limits,
      String counterKey,
      String metricKey,
      String ruleKey) {
    this.domain = domain;
    this.descriptor = descriptor;
    this.rule = rule;
    this.limits = List.copyOf(limits);
    this.counterKey = counterKey;
    this.metricKey = metricKey;
    this.ruleKey = ruleKey;
  }

  /** The domain matched in. */
  public String domain() {
    return domain;
  }

  /** The request descriptor that matched. */
  public Descriptor descriptor() {
    return descriptor;
  }

  /** The rule at the depth where the descriptor's entries end. */
  public DescriptorRule rule() {
    return rule;
  }

  /**
   * The limits to apply, all or nothing, after other descriptors' {@code replaces} took theirs
   * away; empty when {@link #unlimited()}.
   */
  public List<RuleLimit> limits() {
    return limits;
  }

  /** The core limits of {@link #limits()}, without those that {@linkplain #deniesAll() deny}. */
  public List<Limit> coreLimits() {
    List<Limit> out = new ArrayList<>();
    for (RuleLimit l : limits) {
      l.limit().ifPresent(out::add);
    }
    return List.copyOf(out);
  }

  /** True when one of the limits has {@code requests_per_unit: 0}: the request is over limit. */
  public boolean deniesAll() {
    return limits.stream().anyMatch(RuleLimit::deniesAll);
  }

  /** True for {@code unlimited: true}: allow without counting. */
  public boolean unlimited() {
    return rule.rateLimit().map(RateLimitRule::unlimited).orElse(false);
  }

  /** Sluice's {@code record_over_limit}: the hits are counted even when over the limit. */
  public boolean recordOverLimit() {
    return rule.recordOverLimit();
  }

  /** {@code shadow_mode}: count as usual, report what would happen, but never deny. */
  public boolean shadowMode() {
    return rule.shadowMode();
  }

  /**
   * The Sluice extension {@code consistency} of the matched rule: how its limits are enforced
   * across service instances; empty when the rule does not say.
   */
  public Optional<Consistency> consistency() {
    return rule.consistency();
  }

  /** {@code quota_mode} of the matched rule. */
  public boolean quotaMode() {
    return rule.quotaMode();
  }

  /** {@code metadata} of the matched rule. */
  public Map<String, Object> metadata() {
    return rule.metadata();
  }

  /** The names this match replaces in other matches of the same request. */
  public List<String> replaces() {
    return rule.rateLimit().map(RateLimitRule::replaces).orElse(List.of());
  }

  /**
   * The key to count this match under: the domain and every entry of the request descriptor, so
   * that each distinct value gets its own counter, except entries matched by a {@code
   * share_threshold} wildcard, which count under the wildcard (one shared counter for all its
   * values). Parts are escaped so that different descriptors never give the same key: {@code
   * domain|key=value|key2~prefix*} with {@code \}, {@code |}, {@code =} and {@code ~} escaped by
   * {@code \}. Stable across loads and processes.
   */
  public String counterKey() {
    return counterKey;
  }

  /**
   * The statistics key envoy ratelimit would use for this match ({@code domain.key_value.key}),
   * following {@code detailed_metric}, {@code value_to_metric} and {@code share_threshold}. For
   * metrics names only; use {@link #counterKey()} to count.
   */
  public String metricKey() {
    return metricKey;
  }

  /**
   * The matched rule's name, without request values: {@code domain.key_value.key2}, where a value
   * appears only when the rule writes it (a wildcard as written), whatever {@code
   * detailed_metric} and {@code value_to_metric} say; {@code domain.key.key2 (override)} for a
   * request's limit override without a rule. Bounded by the rules whatever the requests send, so
   * it can name per-rule views (the top limited clients) where {@link #metricKey()} may hold
   * request values.
   */
  public String ruleKey() {
    return ruleKey;
  }

  /** This match with the limits named in {@code replaced} removed; empty if none is left. */
  Optional<RuleMatch> without(Set<String> replaced) {
    if (unlimited() || replaced.isEmpty()) {
      return Optional.of(this);
    }
    List<RuleLimit> kept = new ArrayList<>();
    for (RuleLimit l : limits) {
      if (l.name().isEmpty() || !replaced.contains(l.name().get())) {
        kept.add(l);
      }
    }
    if (kept.size() == limits.size()) {
      return Optional.of(this);
    }
    return kept.isEmpty()
        ? Optional.empty()
        : Optional.of(new RuleMatch(domain, descriptor, rule, kept, counterKey, metricKey,
            ruleKey));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RuleMatch m
        && domain.equals(m.domain)
        && descriptor.equals(m.descriptor)
        && rule.equals(m.rule)
        && limits.equals(m.limits)
        && counterKey.equals(m.counterKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(domain, descriptor, limits, counterKey);
  }

  @Override
  public String toString() {
    String what = unlimited() ? "unlimited"
        : limits.stream().map(RuleLimit::describe).reduce((a, b) -> a + "; " + b).orElse("");
    return "RuleMatch[" + domain + " " + descriptor + " -> " + rule.label() + ": " + what
        + (shadowMode() ? " (shadow)" : "") + ", key " + counterKey + "]";
  }
}
