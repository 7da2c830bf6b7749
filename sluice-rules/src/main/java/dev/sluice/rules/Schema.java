package dev.sluice.rules;

import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import dev.sluice.rules.YamlTree.ScalarNode;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The keys one kind of map in a rules file may hold, in the order messages list them: each key's
 * name, value type and, for a required key, what to say when it is missing. {@link #check} reports
 * keys that are not strings, unknown (with a did-you-mean hint) or repeated; the {@link Fields} it
 * returns reads each value through its key's type. The schemas themselves are in {@link
 * RuleSchema}.
 */
final class Schema {

  private final @Nullable String home;
  private final List<Key<?>> keys;
  private final List<String> names;

  private Schema(@Nullable String home, List<Key<?>> keys) {
    this.home = home;
    this.keys = List.copyOf(keys);
    this.names = keys.stream().map(Key::name).toList();
  }

  /**
   * A schema of {@code keys}; {@code home}, when not null, is how a hint names where these keys
   * belong ({@code "rate_limit"}, {@code "a descriptor"}) when one is written elsewhere.
   */
  static Schema of(@Nullable String home, Key<?>... keys) {
    return new Schema(home, Arrays.asList(keys));
  }

  /** Where a hint sends these keys, or null when they are not worth a hint. */
  @Nullable String home() {
    return home;
  }

  /** The keys' names, in order. */
  List<String> names() {
    return names;
  }

  /** Whether {@code key} is one of this schema's (for readers that pick keys by name). */
  boolean declares(String name) {
    return names.contains(name);
  }

  /** {@code map}'s fields under this schema, keys not checked yet (see {@link Fields#check}). */
  Fields fields(MapNode map) {
    return new Fields(this, map);
  }

  /** {@code map}'s fields under this schema, after reporting its bad keys in {@code ctx}. */
  Fields check(MapNode map, ParseContext ctx) {
    Fields fields = fields(map);
    fields.check(ctx);
    return fields;
  }

  /**
   * One key: its name, the type of its value, and the message for a missing required key (null
   * when the key is optional).
   */
  record Key<T>(String name, ValueType<T> type, @Nullable String missing) {

    static Key<String> text(String name) {
      return new Key<>(name, ValueType.TEXT, null);
    }

    static Key<Boolean> flag(String name) {
      return new Key<>(name, ValueType.FLAG, null);
    }

    static Key<Long> whole(String name, long min, long max) {
      return new Key<>(name, new ValueType.Whole(min, max), null);
    }

    static Key<List<Node>> list(String name) {
      return new Key<>(name, ValueType.LIST, null);
    }

    static Key<MapNode> map(String name) {
      return new Key<>(name, ValueType.MAP, null);
    }

    static Key<List<Node>> oneOrMore(String name) {
      return new Key<>(name, ValueType.ONE_OR_MORE, null);
    }

    static <T> Key<T> choice(
        String name, Function<String, @Nullable T> lookup, Function<String, String> invalid) {
      return new Key<>(name, new ValueType.Choice<>(lookup, invalid), null);
    }

    /** The message for this required key when it is missing. */
    String missingProblem() {
      if (missing == null) {
        throw new IllegalArgumentException(name + " is not a required key");
      }
      return missing;
    }

    /** This key, required: {@code missing} is reported when it is absent, null or empty text. */
    Key<T> required(String missing) {
      return new Key<>(name, type, Objects.requireNonNull(missing, "missing"));
    }
  }

  /**
   * What reading a key gave: nothing (absent, or YAML's null), a value of the wrong type (already
   * reported), or a value.
   */
  sealed interface Value<T> permits Absent, Invalid, Present {}

  /** The key is not there ({@code field} null), or holds YAML's null. */
  record Absent<T>(@Nullable Field field) implements Value<T> {}

  /** The value is not of the key's type; the error is recorded. */
  record Invalid<T>(Field field) implements Value<T> {}

  /** The value read. */
  record Present<T>(Field field, T value) implements Value<T> {}

  /** The fields of one map, read through a schema. */
  static final class Fields {
    private final Schema schema;
    private final MapNode map;
    private boolean keyProblems;

    private Fields(Schema schema, MapNode map) {
      this.schema = schema;
      this.map = map;
    }

    /** The map read. */
    MapNode map() {
      return map;
    }

    /**
     * Reports keys that are not strings, not in the schema (with a hint), or repeated (the first
     * is the one read).
     */
    void check(ParseContext ctx) {
      Map<String, Integer> seen = new HashMap<>();
      for (Field f : map.fields()) {
        if (!f.stringKey()) {
          ctx.error(f, "config error, key is not of type string: " + f.name());
          keyProblems = true;
          continue;
        }
        if (!schema.declares(f.name())) {
          ctx.error(f, RuleSchema.unknownKey(f.name(), schema.names()));
          keyProblems = true;
          continue;
        }
        Integer first = seen.putIfAbsent(f.name(), f.line());
        if (first != null) {
          ctx.error(f, "duplicate key '" + f.name() + "' (first at line " + first + ")");
          keyProblems = true;
        }
      }
    }

    /** Whether {@link #check} reported any key. */
    boolean keyProblems() {
      return keyProblems;
    }

    /** The (first) field of {@code key}, or null. */
    @Nullable Field field(Key<?> key) {
      return map.field(declared(key).name());
    }

    /** Whether {@code key} is there with a value other than YAML's null. */
    boolean has(Key<?> key) {
      Field f = field(key);
      return f != null && !f.value().isNull();
    }

    /** Reads {@code key}, reporting a value of the wrong type under {@code ctx}'s path. */
    <T> Value<T> read(Key<T> key, ParseContext ctx) {
      Field f = field(key);
      if (f == null || f.value().isNull()) {
        return new Absent<>(f);
      }
      T value = key.type().read(f, ctx);
      return value == null ? new Invalid<>(f) : new Present<>(f, value);
    }

    /** {@code key}'s value, or null when absent or of the wrong type (reported). */
    <T> @Nullable T get(Key<T> key, ParseContext ctx) {
      return read(key, ctx) instanceof Present<T> p ? p.value() : null;
    }

    /** {@code key}'s value, or {@code fallback} when absent or of the wrong type (reported). */
    <T> T get(Key<T> key, ParseContext ctx, T fallback) {
      T value = get(key, ctx);
      return value != null ? value : fallback;
    }

    /**
     * A required key's value, or null after reporting it missing (absent, null or empty text) at
     * its value or, when absent, at the map. A value of the wrong type is reported as such only.
     */
    <T> @Nullable T require(Key<T> key, ParseContext ctx) {
      key.missingProblem();
      Value<T> v = read(key, ctx);
      if (missing(v)) {
        reportMissing(key, v, ctx);
        return null;
      }
      return v instanceof Present<T> p ? p.value() : null;
    }

    /** Whether {@code v} counts as missing for a required key: absent, null or empty text. */
    static boolean missing(Value<?> v) {
      return v instanceof Absent<?> || v instanceof Present<?> p && "".equals(p.value());
    }

    /**
     * Reports required {@code key} missing, as read earlier into {@code v}: at its value when
     * there is one, else at the map.
     */
    void reportMissing(Key<?> key, Value<?> v, ParseContext ctx) {
      String message = declared(key).missingProblem();
      if (v instanceof Absent<?> a && a.field() != null) {
        ctx.error(a.field().value(), message);
      } else if (v instanceof Present<?> p && p.field().value() instanceof ScalarNode s) {
        ctx.error(s, message);
      } else if (v instanceof Absent<?>) {
        ctx.error(map, message);
      }
    }

    private <K extends Key<?>> K declared(K key) {
      if (!schema.declares(key.name())) {
        throw new IllegalArgumentException(key.name() + " is not a key of " + schema.names());
      }
      return key;
    }
  }
}
