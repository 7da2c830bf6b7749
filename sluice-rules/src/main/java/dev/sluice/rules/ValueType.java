package dev.sluice.rules;

import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.Kind;
import dev.sluice.rules.YamlTree.ListNode;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import dev.sluice.rules.YamlTree.ScalarNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the value of a rules key must be, and how a YAML node becomes that value. Each type reports
 * a value of the wrong shape once, in its own words, at the value; YAML's null never reaches a
 * type (a null value reads as an absent key).
 *
 * @param <T> the Java value read
 */
sealed interface ValueType<T>
    permits ValueType.Text, ValueType.Flag, ValueType.Whole, ValueType.Sequence,
        ValueType.Mapping, ValueType.OneOrMore, ValueType.Choice {

  /** A single value's text (any scalar). */
  ValueType<String> TEXT = new Text();
  /** {@code true} / {@code false} (and YAML 1.1's yes/no, on/off). */
  ValueType<Boolean> FLAG = new Flag();
  /** A list's items. */
  ValueType<List<Node>> LIST = new Sequence();
  /** A map. */
  ValueType<MapNode> MAP = new Mapping();
  /** A list's items, or a single value as a list of one. */
  ValueType<List<Node>> ONE_OR_MORE = new OneOrMore();

  /**
   * The value of {@code field} (not YAML's null), or null after recording why it is not one in
   * {@code ctx}.
   */
  @Nullable T read(Field field, ParseContext ctx);

  /** A scalar's text: {@code <key> must be a single value, found a map}. */
  record Text() implements ValueType<String> {
    @Override
    public @Nullable String read(Field field, ParseContext ctx) {
      if (field.value() instanceof ScalarNode s) {
        return s.kind() == Kind.NULL ? null : s.text();
      }
      ctx.error(field.value(), field.name() + " must be a single value, found "
          + field.value().describe());
      return null;
    }
  }

  /** A boolean: {@code <key> must be true or false, was maybe}. */
  record Flag() implements ValueType<Boolean> {
    @Override
    public @Nullable Boolean read(Field field, ParseContext ctx) {
      if (field.value() instanceof ScalarNode s && s.kind() == Kind.BOOL) {
        String t = s.text().toLowerCase(Locale.ROOT);
        return t.equals("true") || t.equals("yes") || t.equals("on") || t.equals("y");
      }
      ctx.error(field.value(), field.name() + " must be true or false, was "
          + field.value().describe());
      return null;
    }
  }

  /**
   * A whole number in {@code [min, max]}, as YAML 1.1 writes integers: {@code <key> must be a
   * whole number between 0 and 4294967295, was -1}.
   */
  record Whole(long min, long max) implements ValueType<Long> {
    @Override
    public @Nullable Long read(Field field, ParseContext ctx) {
      BigInteger n = field.value() instanceof ScalarNode s && s.kind() == Kind.INT
          ? integer(s.text()) : null;
      if (n == null || n.compareTo(BigInteger.valueOf(min)) < 0
          || n.compareTo(BigInteger.valueOf(max)) > 0) {
        String range = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
        ctx.error(field.value(), field.name() + " must be a whole number " + range + ", was "
            + field.value().describe());
        return null;
      }
      return n.longValue();
    }
  }

  /** A list: {@code <key> must be a list, found 5}. */
  record Sequence() implements ValueType<List<Node>> {
    @Override
    public @Nullable List<Node> read(Field field, ParseContext ctx) {
      if (field.value() instanceof ListNode list) {
        return list.items();
      }
      ctx.error(field.value(), field.name() + " must be a list, found "
          + field.value().describe());
      return null;
    }
  }

  /** A map: {@code <key> must be a map, found 5}. */
  record Mapping() implements ValueType<MapNode> {
    @Override
    public @Nullable MapNode read(Field field, ParseContext ctx) {
      if (field.value() instanceof MapNode map) {
        return map;
      }
      ctx.error(field.value(), field.name() + " must be a map, found "
          + field.value().describe());
      return null;
    }
  }

  /** One value or a list of them; each item is left to the reader to check. */
  record OneOrMore() implements ValueType<List<Node>> {
    @Override
    public List<Node> read(Field field, ParseContext ctx) {
      return field.value() instanceof ListNode list ? list.items() : List.of(field.value());
    }
  }

  /**
   * A single value naming one of a set ({@code lookup} gives null for none of them), else the
   * {@code invalid} message for the text: {@code unknown algorithm 'leaky'; use one of ...}.
   */
  record Choice<T>(Function<String, @Nullable T> lookup, Function<String, String> invalid)
      implements ValueType<T> {
    @Override
    public @Nullable T read(Field field, ParseContext ctx) {
      String text = TEXT.read(field, ctx);
      if (text == null) {
        return null;
      }
      T value = lookup.apply(text);
      if (value == null) {
        ctx.error(field.value(), invalid.apply(text));
      }
      return value;
    }
  }

  /** A YAML 1.1 integer as envoy's yaml.v2 reads it ({@code 0x1F}, {@code 017}, {@code 1_000}). */
  static @Nullable BigInteger integer(String text) {
    String t = text.replace("_", "");
    boolean negative = t.startsWith("-");
    if (t.startsWith("-") || t.startsWith("+")) {
      t = t.substring(1);
    }
    int radix = 10;
    if (t.startsWith("0x")) {
      radix = 16;
      t = t.substring(2);
    } else if (t.startsWith("0b")) {
      radix = 2;
      t = t.substring(2);
    } else if (t.startsWith("0o")) {
      radix = 8;
      t = t.substring(2);
    } else if (t.length() > 1 && t.startsWith("0")) {
      radix = 8;
      t = t.substring(1);
    }
    try {
      BigInteger n = new BigInteger(t, radix);
      return negative ? n.negate() : n;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
