package dev.sluice.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Renders a {@link RuleSet} as the indented tree {@code sluice check} prints. */
final class TreePrinter {

  private TreePrinter() {}

  static String render(RuleSet rules) {
    StringBuilder out = new StringBuilder();
    for (Domain d : rules.domains()) {
      out.append("domain ").append(d.name()).append("  (").append(String.join(", ", d.files()))
          .append(")\n");
      for (DescriptorRule r : d.descriptors()) {
        descriptor(r, "  ", out);
      }
      for (Route route : d.routes()) {
        out.append("  route ").append(route.describe()).append('\n');
        for (List<Action> actions : route.descriptorActions()) {
          out.append("    descriptor: ")
              .append(actions.stream().map(Action::describe).collect(Collectors.joining(", ")))
              .append('\n');
        }
      }
    }
    return out.toString();
  }

  private static void descriptor(DescriptorRule r, String indent, StringBuilder out) {
    out.append(indent).append(r.label());
    r.rateLimit().ifPresent(l -> out.append(": ").append(l.describe()));
    List<String> flags = new ArrayList<>();
    if (r.shadowMode()) {
      flags.add("shadow_mode");
    }
    if (r.recordOverLimit()) {
      flags.add("record_over_limit");
    }
    if (r.shareThreshold()) {
      flags.add("share_threshold");
    }
    if (r.detailedMetric()) {
      flags.add("detailed_metric");
    }
    if (r.valueToMetric()) {
      flags.add("value_to_metric");
    }
    if (r.quotaMode()) {
      flags.add("quota_mode");
    }
    r.consistency().ifPresent(c -> flags.add("consistency: " + c.text()));
    if (!r.metadata().isEmpty()) {
      flags.add("metadata " + r.metadata());
    }
    if (!flags.isEmpty()) {
      out.append("  [").append(String.join(", ", flags)).append(']');
    }
    out.append('\n');
    for (DescriptorRule child : r.descriptors()) {
      descriptor(child, indent + "  ", out);
    }
  }
}
