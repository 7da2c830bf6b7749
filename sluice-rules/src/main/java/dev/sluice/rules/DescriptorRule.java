package dev.sluice.rules;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One node of a domain's descriptor tree, as written in a rules file: a {@code key}, an optional
 * {@code value} (exact, or a wildcard pattern with {@code *}), an optional limit, envoy's flags,
 * and nested descriptors. Immutable; equal when everything read from the file is equal,
 * including the file and line it came from.
 */
public final class DescriptorRule {

  private final String key;
  private final @Nullable String value;
  private final @Nullable RateLimitRule rateLimit;
  private final boolean shadowMode;
  private final boolean detailedMetric;
  private final boolean valueToMetric;
  private final boolean shareThreshold;
  private final boolean quotaMode;
  private final boolean recordOverLimit;
  private final Map<String, Object> metadata;
  private final @Nullable Consistency consistency;
  private final Level children;
  private final String file;
  private final int line;
  private final int column;

  DescriptorRule(
      String key,
      @Nullable String value,
      @Nullable RateLimitRule rateLimit,
      boolean shadowMode,
      boolean detailedMetric,
      boolean valueToMetric,
      boolean shareThreshold,
      boolean quotaMode,
      boolean recordOverLimit,
      Map<String, Object> metadata,
      @Nullable Consistency consistency,
      List<DescriptorRule> children,
      String file,
      int line,
      int column) {
    this.recordOverLimit = recordOverLimit;
    this.consistency = consistency;
    this.key = key;
    this.value = value;
    this.rateLimit = rateLimit;
    this.shadowMode = shadowMode;
    this.detailedMetric = detailedMetric;
    this.valueToMetric = valueToMetric;
    this.shareThreshold = shareThreshold;
    this.quotaMode = quotaMode;
    this.metadata = metadata;
    this.children = new Level(children);
    this.file = file;
    this.line = line;
    this.column = column;
  }

  /** The descriptor {@code key}; never empty. */
  public String key() {
    return key;
  }

  /** The {@code value}; empty for a bare-key rule that matches any value. */
  public Optional<String> value() {
    return Optional.ofNullable(value);
  }

  /**
   * True when the value contains {@code *}: the rule matches every value the pattern matches,
   * each {@code *} standing for any run of characters (so {@code foo*} matches by prefix, as in
   * envoy, and {@code /api*v1} matches {@code /api/users/v1}).
   */
  public boolean isWildcard() {
    return value != null && value.indexOf('*') >= 0;
  }

  /** Whether this wildcard rule's value pattern matches {@code text}. */
  boolean wildcardMatches(String text) {
    String pattern = value == null ? "" : value;
    String[] parts = pattern.split("\\*", -1);
    if (!text.startsWith(parts[0])) {
      return false;
    }
    int from = parts[0].length();
    for (int i = 1; i < parts.length - 1; i++) {
      int at = text.indexOf(parts[i], from);
      if (at < 0) {
        return false;
      }
      from = at + parts[i].length();
    }
    String last = parts[parts.length - 1];
    return text.length() - from >= last.length() && text.endsWith(last);
  }

  /** The {@code rate_limit} or {@code rate_limits}; empty for a rule that only groups children. */
  public Optional<RateLimitRule> rateLimit() {
    return Optional.ofNullable(rateLimit);
  }

  /** {@code shadow_mode}: the limit is computed and counted but never denies. */
  public boolean shadowMode() {
    return shadowMode;
  }

  /**
   * Sluice's {@code record_over_limit}: the hits are counted even when the key is over its limit
   * (usage reported after the fact, as envoy's counters count {@code apply_on_stream_done}
   * reports); the answer is still over the limit when it is.
   */
  public boolean recordOverLimit() {
    return recordOverLimit;
  }

  /** {@code detailed_metric}: metrics name the request's values, not the rule's. */
  public boolean detailedMetric() {
    return detailedMetric;
  }

  /** {@code value_to_metric}: metrics name the request's value at this level. */
  public boolean valueToMetric() {
    return valueToMetric;
  }

  /**
   * {@code share_threshold} (wildcard rules only): every value matching the wildcard shares one
   * counter, instead of one counter per value.
   */
  public boolean shareThreshold() {
    return shareThreshold;
  }

  /** {@code quota_mode}: the limit is a quota (envoy's quota-aware routing); reported as given. */
  public boolean quotaMode() {
    return quotaMode;
  }

  /**
   * {@code metadata}: free-form data returned to the client when the descriptor is under its
   * limit. Values are String, Long, Double, Boolean, List or Map.
   */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /**
   * The Sluice extension {@code consistency}: how this descriptor's own limits are enforced across
   * service instances; empty when the file does not say (the service's {@code mode} applies). Not
   * inherited by nested descriptors.
   */
  public Optional<Consistency> consistency() {
    return Optional.ofNullable(consistency);
  }

  /** Nested descriptors, in file order. */
  public List<DescriptorRule> descriptors() {
    return children.rules();
  }

  Level children() {
    return children;
  }

  /** The file this rule was read from. */
  public String file() {
    return file;
  }

  /** The line of its {@code key} (or of the list entry) in {@link #file()}. */
  public int line() {
    return line;
  }

  int column() {
    return column;
  }

  /**
   * This rule's part of a rule's name in envoy's stats form ({@link RuleMatch#ruleKey()}): {@code
   * key_value}, or {@code key} for a bare-key rule.
   */
  public String namePart() {
    return value == null ? key : key + "_" + value;
  }

  /** {@code key=value}, or {@code key} for a bare-key rule. */
  public String label() {
    return value == null ? key : key + "=" + value;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof DescriptorRule r
        && key.equals(r.key)
        && Objects.equals(value, r.value)
        && Objects.equals(rateLimit, r.rateLimit)
        && shadowMode == r.shadowMode
        && detailedMetric == r.detailedMetric
        && valueToMetric == r.valueToMetric
        && shareThreshold == r.shareThreshold
        && quotaMode == r.quotaMode
        && recordOverLimit == r.recordOverLimit
        && metadata.equals(r.metadata)
        && consistency == r.consistency
        && children.rules().equals(r.children.rules())
        && file.equals(r.file)
        && line == r.line;
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, value, rateLimit, shadowMode, metadata, children.rules(), file, line);
  }

  @Override
  public String toString() {
    return "DescriptorRule[" + label() + (rateLimit == null ? "" : ": " + rateLimit.describe())
        + ", " + children.rules().size() + " nested]";
  }
}
