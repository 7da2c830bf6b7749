package dev.sluice.enforcement.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/** The kinds of setting values. Each kind is read in one place, in every {@link Dialect}. */
public final class ValueTypes {

  private ValueTypes() {}

  /** An integer in {@code min..max}. */
  public static ValueType<Integer> integer(int min, int max) {
    return new Numeric<>(min, max, Long::intValue);
  }

  /** A long integer in {@code min..max}. */
  public static ValueType<Long> longInteger(long min, long max) {
    return new Numeric<>(min, max, v -> v);
  }

  /** {@code true} or {@code false} (as the {@link Dialect} spells them); a flag on a command line. */
  public static ValueType<Boolean> bool() {
    return Bool.INSTANCE;
  }

  /** A duration in {@code min..max} (as the {@link Dialect} spells durations). */
  public static ValueType<Duration> duration(Duration min, Duration max) {
    return new Durations(min, max);
  }

  /**
   * One of an enum's constants, spelled in lower case with {@code -} for {@code _} ({@code
   * FAIL_OPEN} is {@code fail-open}); read in any case, with {@code -} or {@code _}.
   *
   * @param noun what a value is, for messages: {@code failure policy}
   */
  public static <E extends Enum<E>> ValueType<E> choice(String noun, Class<E> type) {
    Map<String, E> byName = new LinkedHashMap<>();
    for (E e : type.getEnumConstants()) {
      byName.put(spelling(e), e);
    }
    return choice(noun, byName);
  }

  /**
   * One of a few spellings, each meaning a value ({@code local} is false, {@code sync} true), in
   * the order documented; read in any case, with {@code -} or {@code _}.
   */
  public static <T> ValueType<T> choice(String noun, Map<String, T> values) {
    Map<String, T> copy = new LinkedHashMap<>(values);
    return new Choice<>(noun, List.copyOf(copy.keySet()), copy::get);
  }

  /**
   * One of {@code names}, turned into a value by {@code resolve} only once known to be one of
   * them: for values whose type lives in an optional module (the failure policy of {@code
   * sluice-redis}), so that a name can be checked without loading it (see {@link
   * Setting#requires}).
   */
  public static <T> ValueType<T> choice(String noun, List<String> names,
      Function<String, T> resolve) {
    return new Choice<>(noun, List.copyOf(names), resolve);
  }

  /**
   * A list of text items separated by commas or blanks ({@code 10.0.0.0/8, ::1}), each checked
   * by {@code check} (whose {@link IllegalArgumentException} message is the problem); blank text
   * is the empty list. A bound list (Spring Boot's) is checked item by item.
   */
  public static ValueType<List<String>> list(String label, Function<String, ?> check) {
    return new ValueType<>() {
      @Override
      public List<String> parse(String text, Dialect dialect) {
        List<String> items = new ArrayList<>();
        for (String item : text.split("[,\\s]+")) {
          if (!item.isEmpty()) {
            items.add(item);
          }
        }
        return check(items, dialect);
      }

      @Override
      public List<String> check(List<String> items, Dialect dialect) {
        for (String item : items) {
          check.apply(item);
        }
        return List.copyOf(items);
      }

      @Override
      public String format(List<String> items) {
        return String.join(", ", items);
      }

      @Override
      public String label() {
        return label;
      }
    };
  }

  /** Any text, as given. */
  public static ValueType<String> text(String label) {
    return of(label, s -> s);
  }

  /** A file or directory path. */
  public static ValueType<Path> path(String label) {
    return of(label, Path::of);
  }

  /**
   * A value read by {@code parser}, whose {@link IllegalArgumentException} message is the problem
   * (the same in every dialect).
   */
  public static <T> ValueType<T> of(String label, Function<String, T> parser) {
    return of(label, parser, String::valueOf);
  }

  /** As {@link #of(String, Function)}, written back by {@code format}. */
  public static <T> ValueType<T> of(String label, Function<String, T> parser,
      Function<T, String> format) {
    Objects.requireNonNull(parser, "parser");
    Objects.requireNonNull(format, "format");
    return new ValueType<>() {
      @Override
      public T parse(String text, Dialect dialect) {
        return parser.apply(text);
      }

      @Override
      public String format(T value) {
        return format.apply(value);
      }

      @Override
      public String label() {
        return label;
      }
    };
  }

  /** An enum constant as settings spell it: {@code FAIL_OPEN} is {@code fail-open}. */
  public static String spelling(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** {@code 50ms}, or {@code 2s} for whole seconds. */
  public static String durationText(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private record Numeric<T extends Number>(long min, long max, Function<Long, T> make)
      implements ValueType<T> {
    @Override
    public T parse(String text, Dialect dialect) {
      long v;
      try {
        v = Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        throw dialect.notAnInteger(text, min, max);
      }
      if (v < min || v > max) {
        throw dialect.notAnInteger(text, min, max);
      }
      return make.apply(v);
    }

    @Override
    public T check(T value, Dialect dialect) {
      long v = value.longValue();
      if (v < min || v > max) {
        throw dialect.notAnInteger(String.valueOf(v), min, max);
      }
      return value;
    }

    @Override
    public String label() {
      return "N";
    }
  }

  private enum Bool implements ValueType<Boolean> {
    INSTANCE;

    @Override
    public Boolean parse(String text, Dialect dialect) {
      return dialect.bool(text);
    }

    @Override
    public String label() {
      return "BOOL";
    }

    @Override
    public List<String> choices() {
      return List.of("true", "false");
    }

    @Override
    public boolean isFlag() {
      return true;
    }
  }

  private record Durations(Duration min, Duration max) implements ValueType<Duration> {
    @Override
    public Duration parse(String text, Dialect dialect) {
      return check(text, dialect.duration(text), dialect);
    }

    @Override
    public Duration check(Duration value, Dialect dialect) {
      return check(durationText(value), value, dialect);
    }

    private Duration check(String text, Duration d, Dialect dialect) {
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw dialect.durationOutOfRange(text, d, min, max);
      }
      return d;
    }

    @Override
    public String format(Duration value) {
      return durationText(value);
    }

    @Override
    public String label() {
      return "DURATION";
    }
  }

  private static final class Choice<T> implements ValueType<T> {
    private final String noun;
    private final List<String> names;
    private final Function<String, T> resolve;
    private final Map<T, String> spelled = new LinkedHashMap<>();

    Choice(String noun, List<String> names, Function<String, T> resolve) {
      this.noun = noun;
      this.names = names;
      this.resolve = resolve;
      for (String n : names) {
        if (!n.equals(normal(n))) {
          throw new IllegalArgumentException("spell choices in lower case with -: " + n);
        }
      }
    }

    private static String normal(String text) {
      return text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public T parse(String text, Dialect dialect) {
      String n = normal(text);
      if (!names.contains(n)) {
        throw dialect.unknownChoice(text, noun, names);
      }
      return resolve.apply(n);
    }

    @Override
    public void validate(String text, Dialect dialect) {
      if (!names.contains(normal(text))) {
        throw dialect.unknownChoice(text, noun, names);
      }
    }

    @Override
    public String format(T value) {
      synchronized (spelled) {
        if (spelled.isEmpty()) {
          for (String n : names) {
            spelled.put(resolve.apply(n), n);
          }
        }
        String s = spelled.get(value);
        return s != null ? s : String.valueOf(value);
      }
    }

    @Override
    public String label() {
      return String.join("|", new ArrayList<>(names));
    }

    @Override
    public List<String> choices() {
      return names;
    }
  }
}
