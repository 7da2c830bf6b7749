package dev.sluice.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The descriptor rules at one depth under one parent, indexed the way envoy looks them up: by key
 * and exact value, then the wildcard values in file order, then by bare key.
 */
final class Level {

  private final List<DescriptorRule> rules;
  private final Map<String, Map<String, DescriptorRule>> byValue = new HashMap<>();
  private final Map<String, DescriptorRule> byKey = new HashMap<>();
  private final List<DescriptorRule> wildcards = new ArrayList<>();

  Level(List<DescriptorRule> rules) {
    this.rules = List.copyOf(rules);
    for (DescriptorRule r : this.rules) {
      if (r.value().isPresent()) {
        byValue.computeIfAbsent(r.key(), k -> new HashMap<>()).putIfAbsent(r.value().get(), r);
        if (r.isWildcard()) {
          wildcards.add(r);
        }
      } else {
        byKey.putIfAbsent(r.key(), r);
      }
    }
  }

  List<DescriptorRule> rules() {
    return rules;
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  /**
   * The rule for one request entry, or null: the exact key and value first, then the first
   * wildcard (in file order) whose pattern matches the value, then the bare key.
   */
  @Nullable DescriptorRule find(Descriptor.Entry entry) {
    Map<String, DescriptorRule> values = byValue.get(entry.key());
    if (values != null) {
      DescriptorRule exact = values.get(entry.value());
      if (exact != null) {
        return exact;
      }
      for (DescriptorRule w : wildcards) {
        if (w.key().equals(entry.key()) && w.wildcardMatches(entry.value())) {
          return w;
        }
      }
    }
    return byKey.get(entry.key());
  }
}
