package dev.sluice.rules;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Envoy ratelimit's lookup of one request descriptor in one domain's tree. */
final class Matcher {

  private Matcher() {}

  /**
   * Walks the tree one entry per depth: at each depth the exact key and value, else the first
   * wildcard (in file order) whose pattern matches the value, else the bare key. The walk stops
   * where no rule matches or the matched rule has no nested descriptors. A limit applies only if
   * the rule matched for the last entry has one: a shorter or longer request descriptor matches
   * nothing.
   */
  static @Nullable RuleMatch match(Domain domain, Descriptor descriptor) {
    List<Descriptor.Entry> entries = descriptor.entries();
    if (entries.isEmpty()) {
      return null;
    }
    Level level = domain.level();
    List<DescriptorRule> path = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      DescriptorRule next = level.find(entries.get(i));
      if (next == null) {
        return null;
      }
      path.add(next);
      if (i == entries.size() - 1) {
        break;
      }
      if (next.children().isEmpty()) {
        return null;
      }
      level = next.children();
    }
    DescriptorRule rule = path.get(path.size() - 1);
    if (rule.rateLimit().isEmpty()) {
      return null;
    }
    return new RuleMatch(
        domain.name(),
        descriptor,
        rule,
        rule.rateLimit().get().limits(),
        counterKey(domain.name(), entries, path),
        metricKey(domain.name(), entries, path),
        ruleKey(domain.name(), path));
  }

  /** The rule's name without request values (see {@link RuleMatch#ruleKey()}). */
  static String ruleKey(String domain, List<DescriptorRule> path) {
    StringBuilder key = new StringBuilder(domain);
    for (DescriptorRule r : path) {
      key.append('.').append(r.namePart());
    }
    return key.toString();
  }

  private static boolean shared(DescriptorRule r) {
    return r.isWildcard() && r.shareThreshold();
  }

  static String counterKey(String domain, List<Descriptor.Entry> entries,
      List<DescriptorRule> path) {
    StringBuilder key = new StringBuilder();
    escape(domain, key);
    for (int i = 0; i < entries.size(); i++) {
      Descriptor.Entry e = entries.get(i);
      key.append('|');
      escape(e.key(), key);
      DescriptorRule r = path.get(i);
      if (shared(r)) {
        key.append('~');
        escape(r.value().orElseThrow(), key);
      } else {
        key.append('=');
        escape(e.value(), key);
      }
    }
    return key.toString();
  }

  private static void escape(String part, StringBuilder out) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '\\' || c == '|' || c == '=' || c == '~') {
        out.append('\\');
      }
      out.append(c);
    }
  }

  /** Envoy's stats key for the match (see {@link RuleMatch#metricKey()}). */
  static String metricKey(String domain, List<Descriptor.Entry> entries,
      List<DescriptorRule> path) {
    StringBuilder key = new StringBuilder(domain);
    DescriptorRule leaf = path.get(path.size() - 1);
    if (leaf.detailedMetric()) {
      boolean anyShared = path.stream().anyMatch(Matcher::shared);
      for (int i = 0; i < entries.size(); i++) {
        Descriptor.Entry e = entries.get(i);
        key.append('.').append(e.key());
        if (anyShared && shared(path.get(i))) {
          key.append('_').append(path.get(i).value().orElseThrow());
        } else if (!anyShared || !e.value().isEmpty()) {
          key.append('_').append(e.value());
        }
      }
      return key.toString();
    }
    for (int i = 0; i < entries.size(); i++) {
      Descriptor.Entry e = entries.get(i);
      DescriptorRule r = path.get(i);
      key.append('.').append(e.key());
      boolean withRequestValue;
      if (r.isWildcard()) {
        withRequestValue = !shared(r) && r.valueToMetric();
        if (!withRequestValue) {
          key.append('_').append(r.value().orElseThrow());
          continue;
        }
      } else {
        withRequestValue = r.value().isPresent() || r.valueToMetric();
      }
      if (withRequestValue && !e.value().isEmpty()) {
        key.append('_').append(e.value());
      }
    }
    return key.toString();
  }

  /**
   * envoy's lookup when the request gives the descriptor's limit itself: the override replaces the
   * rule (matched or not): not shadowed, not unlimited, no name, no {@code replaces}, one fixed
   * window of one unit. It counts under the descriptor's own entries (no {@code share_threshold})
   * and its unit and requests per unit, so that different overrides of one descriptor count
   * separately; its statistics key is envoy's {@code domain.key_value.key2_value2} (a value left
   * out when empty).
   */
  static RuleMatch override(Domain domain, Descriptor descriptor, LimitOverride override) {
    List<Descriptor.Entry> entries = descriptor.entries();
    Descriptor.Entry last = entries.get(entries.size() - 1);
    long rpu = override.requestsPerUnit();
    @Nullable Limit limit = rpu == 0 ? null
        : Limit.builderOfMicros(rpu, override.unit().micros()).algorithm(Algorithm.FIXED_WINDOW)
            .build();
    RuleLimit rl = new RuleLimit(null, rpu, override.unit(), 1, Algorithm.FIXED_WINDOW, null,
        List.of(), limit, null);
    DescriptorRule rule = new DescriptorRule(last.key(), last.value(), RateLimitRule.of(
        List.of(rl)), false, false, false, false, false, false, Map.of(), null, List.of(),
        "request override", 0, 0);
    StringBuilder counter = new StringBuilder();
    escape(domain.name(), counter);
    for (Descriptor.Entry e : entries) {
      counter.append('|');
      escape(e.key(), counter);
      counter.append('=');
      escape(e.value(), counter);
    }
    // "|~" never occurs in a rule's key: entry keys are never empty
    counter.append("|~").append(override.unit().name()).append('/').append(rpu);
    StringBuilder metric = new StringBuilder(domain.name());
    StringBuilder ruleKey = new StringBuilder(domain.name());
    for (Descriptor.Entry e : entries) {
      metric.append('.').append(e.key());
      ruleKey.append('.').append(e.key());
      if (!e.value().isEmpty()) {
        metric.append('_').append(e.value());
      }
    }
    return new RuleMatch(domain.name(), descriptor, rule, List.of(rl), counter.toString(),
        metric.toString(), ruleKey.append(" (override)").toString());
  }
}
