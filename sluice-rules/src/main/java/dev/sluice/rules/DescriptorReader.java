package dev.sluice.rules;

import static dev.sluice.rules.RuleSchema.CONSISTENCY;
import static dev.sluice.rules.RuleSchema.DESCRIPTORS;
import static dev.sluice.rules.RuleSchema.DETAILED_METRIC;
import static dev.sluice.rules.RuleSchema.KEY;
import static dev.sluice.rules.RuleSchema.METADATA;
import static dev.sluice.rules.RuleSchema.QUOTA_MODE;
import static dev.sluice.rules.RuleSchema.SHADOW_MODE;
import static dev.sluice.rules.RuleSchema.SHARE_THRESHOLD;
import static dev.sluice.rules.RuleSchema.VALUE;
import static dev.sluice.rules.RuleSchema.VALUE_TO_METRIC;

import dev.sluice.rules.Schema.Fields;
import dev.sluice.rules.Schema.Present;
import dev.sluice.rules.Schema.Value;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a list of descriptors and each descriptor in it: key and value, its limits ({@link
 * LimitReader}), the envoy flags, metadata, Sluice's {@code consistency}, and the nested
 * descriptors. A descriptor's path is its {@code key=value} (or {@code key}, or {@code #n} when it
 * has no usable key).
 */
final class DescriptorReader {

  private DescriptorReader() {}

  /**
   * The descriptors of {@code items}, a list under {@code ctx}; {@code composite} is the
   * composite key of the enclosing level with a trailing dot ({@code domain.key_value.}).
   */
  static List<DescriptorRule> readAll(List<Node> items, ParseContext ctx, String composite) {
    List<DescriptorRule> rules = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      ParseContext numbered = ctx.at("#" + (i + 1));
      if (items.get(i) instanceof MapNode map) {
        rules.add(read(map, numbered, ctx, composite, seen));
      } else {
        FileParser.notAMap(items.get(i), numbered);
      }
    }
    return rules;
  }

  /**
   * One descriptor. Key and value are read under its number ({@code numbered}) as its label is
   * not known before them; everything else under the label. {@code seen} holds the identities
   * (key and value) of the level's descriptors so far, with their lines.
   */
  private static DescriptorRule read(MapNode map, ParseContext numbered, ParseContext level,
      String composite, Map<String, Integer> seen) {
    Fields fields = RuleSchema.DESCRIPTOR.fields(map);
    Value<String> keyRead = fields.read(KEY, numbered);
    @Nullable String key = keyRead instanceof Present<String> p ? p.value() : null;
    @Nullable String value = fields.get(VALUE, numbered);
    if (value != null && value.isEmpty()) {
      value = null; // envoy: an empty value is no value
    }
    boolean hasKey = key != null && !key.isEmpty();
    ParseContext here = hasKey ? level.at(value == null ? key : key + "=" + value) : numbered;
    fields.check(here);
    String finalKey = (key == null ? "" : key) + (value == null ? "" : "_" + value);
    if (!hasKey) {
      fields.reportMissing(KEY, keyRead, here);
    } else {
      String identity = key + (value == null ? "\u0000" : "\u0001" + value);
      Integer first = seen.putIfAbsent(identity, map.line());
      if (first != null) {
        here.error(map, "duplicate descriptor composite key '" + composite + finalKey
            + "' (first at line " + first + ")");
      }
    }
    @Nullable RateLimitRule rateLimit = LimitReader.read(fields, here);
    boolean wildcard = value != null && value.indexOf('*') >= 0;
    boolean share = false;
    if (fields.read(SHARE_THRESHOLD, here) instanceof Present<Boolean> p && p.value()) {
      share = true;
      if (!wildcard) {
        here.error(p.field(), "share_threshold can only be used with wildcard values (containing"
            + " '*'), but found key '" + finalKey + "'");
      }
    }
    @Nullable MapNode metadataMap = fields.get(METADATA, here);
    Map<String, Object> metadata =
        metadataMap == null ? Map.of() : MetadataReader.read(metadataMap, here.at("metadata"));
    @Nullable Consistency consistency = consistency(fields, here, rateLimit != null);
    List<DescriptorRule> children = readAll(fields.get(DESCRIPTORS, here, List.of()), here,
        composite + finalKey + ".");
    return new DescriptorRule(
        key == null ? "" : key,
        value,
        rateLimit,
        fields.get(SHADOW_MODE, here, false),
        fields.get(DETAILED_METRIC, here, false),
        fields.get(VALUE_TO_METRIC, here, false),
        share,
        fields.get(QUOTA_MODE, here, false),
        recordOverLimit(fields, here, rateLimit != null),
        metadata,
        consistency,
        children,
        here.file(),
        map.line(),
        map.column());
  }

  /**
   * The Sluice extension {@code record_over_limit: true} of a descriptor; it applies to the
   * descriptor's own limits, so it needs {@code rate_limit} or {@code rate_limits} beside it.
   */
  private static boolean recordOverLimit(Fields fields, ParseContext here, boolean hasLimits) {
    if (!(fields.read(RuleSchema.RECORD_OVER_LIMIT, here) instanceof Present<Boolean> r)) {
      return false;
    }
    if (!hasLimits) {
      here.error(r.field(), "record_over_limit needs rate_limit or rate_limits on the same"
          + " descriptor (it is not inherited by nested descriptors)");
    }
    return r.value();
  }

  /**
   * The Sluice extension {@code consistency: consistent | eventual} of a descriptor; it applies to
   * the descriptor's own limits, so it needs {@code rate_limit} or {@code rate_limits} beside it.
   */
  private static @Nullable Consistency consistency(
      Fields fields, ParseContext here, boolean hasLimits) {
    if (!(fields.read(CONSISTENCY, here) instanceof Present<Consistency> c)) {
      return null;
    }
    if (!hasLimits) {
      here.error(c.field(), "consistency needs rate_limit or rate_limits on the same descriptor"
          + " (it is not inherited by nested descriptors)");
      return null;
    }
    return c.value();
  }
}
