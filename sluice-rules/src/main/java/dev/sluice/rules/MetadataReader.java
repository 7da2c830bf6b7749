package dev.sluice.rules;

import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.ListNode;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import dev.sluice.rules.YamlTree.ScalarNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a descriptor's {@code metadata}: free-form YAML (no schema) into maps, lists, strings,
 * booleans, longs and doubles; keys must be strings and appear once, values must not be empty.
 */
final class MetadataReader {

  private MetadataReader() {}

  /** The metadata map at {@code ctx} ({@code ... > metadata}). */
  static Map<String, Object> read(MapNode map, ParseContext ctx) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Field f : map.fields()) {
      if (!f.stringKey()) {
        ctx.error(f, "config error, key is not of type string: " + f.name());
        continue;
      }
      Integer first = seen.putIfAbsent(f.name(), f.line());
      if (first != null) {
        ctx.error(f, "duplicate key '" + f.name() + "' (first at line " + first + ")");
        continue;
      }
      Object v = value(f.value(), ctx.then("." + f.name()));
      if (v != null) {
        out.put(f.name(), v);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static @Nullable Object value(Node node, ParseContext ctx) {
    if (node instanceof MapNode map) {
      return read(map, ctx);
    }
    if (node instanceof ListNode list) {
      List<Object> items = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        Object v = value(list.items().get(i), ctx.then("[" + i + "]"));
        if (v != null) {
          items.add(v);
        }
      }
      return Collections.unmodifiableList(items);
    }
    if (node instanceof ScalarNode s) {
      return scalar(s, ctx);
    }
    throw new IllegalStateException("a node is a map, a list or a scalar: " + node);
  }

  private static @Nullable Object scalar(ScalarNode s, ParseContext ctx) {
    return switch (s.kind()) {
      case NULL -> {
        ctx.error(s, "metadata values must not be empty");
        yield null;
      }
      case BOOL -> {
        String t = s.text().toLowerCase(Locale.ROOT);
        yield t.equals("true") || t.equals("yes") || t.equals("on");
      }
      case INT -> {
        BigInteger n = ValueType.integer(s.text());
        yield n != null && n.bitLength() < 64 ? (Object) n.longValue() : s.text();
      }
      case FLOAT -> {
        try {
          yield Double.parseDouble(s.text().replace("_", ""));
        } catch (NumberFormatException e) {
          yield s.text();
        }
      }
      case STRING -> s.text();
    };
  }
}
