package dev.sluice.enforcement.settings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The values of a front end's settings, each read and checked once from the first {@link Source}
 * that has it, else from its default. Immutable.
 *
 * <pre>{@code
 * Settings s = Settings.resolve(DECLARED, Dialect.SERVICE,
 *     List.of(Sources.commandLine(cli, DECLARED), Sources.environment(env), fileSource));
 * int port = s.get(HTTP_PORT);
 * }</pre>
 */
public final class Settings {

  private final Dialect dialect;
  private final List<Setting<?>> declared;
  private final Map<Setting<?>, Entry> entries;

  /** A setting's value (null when unset or unavailable), text and origin. */
  private record Entry(@Nullable Object value, @Nullable String text, String origin,
      boolean given, boolean available) {}

  private Settings(Dialect dialect, List<Setting<?>> declared, Map<Setting<?>, Entry> entries) {
    this.dialect = dialect;
    this.declared = declared;
    this.entries = entries;
  }

  /**
   * Reads every setting of {@code declared} from the first of {@code sources} that has it, else
   * from its default, in {@code dialect}.
   *
   * @throws SettingException at the first bad value, naming the setting and its origin
   */
  public static Settings resolve(List<Setting<?>> declared, Dialect dialect,
      List<Source> sources) {
    Objects.requireNonNull(dialect, "dialect");
    Map<Setting<?>, Entry> entries = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (Setting<?> s : declared) {
      if (!names.add(s.name())) {
        throw new IllegalArgumentException("two settings named " + s.name());
      }
      entries.put(s, read(s, dialect, sources));
    }
    return new Settings(dialect, List.copyOf(declared), entries);
  }

  private static <T> Entry read(Setting<T> s, Dialect dialect, List<Source> sources) {
    Source.Given given = null;
    for (Source source : sources) {
      given = source.find(s);
      if (given != null) {
        break;
      }
    }
    boolean available = available(s);
    boolean fromSource = given != null;
    if (given == null) {
      // the service names a default as such; the filter names the setting as its source would
      String origin = dialect == Dialect.SERVICE || sources.isEmpty() ? "default"
          : sources.get(0).nameOf(s);
      String d = s.defaultText();
      if (d == null) {
        return new Entry(null, null, origin, false, available);
      }
      given = Source.Given.text(d, origin);
    }
    String text = given.text();
    try {
      if (text != null) {
        if (!available) {
          s.type().validate(text, dialect);
          return new Entry(null, text, given.origin(), fromSource, false);
        }
        return new Entry(s.type().parse(text, dialect), text, given.origin(), fromSource, true);
      }
      @SuppressWarnings("unchecked")
      T value = (T) given.value();
      text = s.type().format(Objects.requireNonNull(value));
      return new Entry(s.type().check(value, dialect), text, given.origin(), fromSource,
          available);
    } catch (RuntimeException e) {
      throw error(dialect, s, given.origin(), String.valueOf(text), e);
    }
  }

  private static boolean available(Setting<?> s) {
    String required = s.requires();
    if (required == null) {
      return true;
    }
    try {
      Class.forName(required, false, Settings.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** The dialect the values were read in. */
  public Dialect dialect() {
    return dialect;
  }

  /** The declared settings, in their order. */
  public List<Setting<?>> declared() {
    return declared;
  }

  /**
   * The value of {@code setting}.
   *
   * @throws IllegalStateException when it is unset and has no default, or its type's module is
   *     missing
   * @throws IllegalArgumentException when it is not among the declared settings
   */
  public <T> T get(Setting<T> setting) {
    T v = find(setting);
    if (v == null) {
      throw new IllegalStateException(setting.name() + " is not set");
    }
    return v;
  }

  /** The value of {@code setting}, or null when it is unset and has no default. */
  @SuppressWarnings("unchecked")
  public <T> @Nullable T find(Setting<T> setting) {
    Entry e = entry(setting);
    if (!e.available()) {
      throw new IllegalStateException(setting.name() + " needs " + setting.requires()
          + " on the class path");
    }
    return (T) e.value();
  }

  /** Whether a source gave {@code setting} (rather than its default). */
  public boolean isGiven(Setting<?> setting) {
    return entry(setting).given();
  }

  /** Whether {@code setting} has a value (given or by default). */
  public boolean isSet(Setting<?> setting) {
    Entry e = entry(setting);
    return e.text() != null;
  }

  /** Where {@code setting}'s value came from ({@code --http-port}, {@code default}). */
  public String origin(Setting<?> setting) {
    return entry(setting).origin();
  }

  /** The value of {@code setting} as it was given (or the default's text); null when unset. */
  public @Nullable String text(Setting<?> setting) {
    return entry(setting).text();
  }

  /**
   * Makes something from {@code setting}'s value (a rule set from a rules path, a key resolver
   * from its text); a failure becomes a {@link SettingException} naming the setting.
   */
  public <T, R> R derive(Setting<T> setting, Function<? super T, ? extends R> make) {
    T value = get(setting);
    try {
      return make.apply(value);
    } catch (RuntimeException e) {
      throw error(dialect, setting, origin(setting), String.valueOf(text(setting)), e);
    }
  }

  /** A {@link SettingException} about {@code setting}'s value, with {@code problem}. */
  public SettingException error(Setting<?> setting, String problem) {
    Entry e = entry(setting);
    String origin = e.origin();
    return new SettingException(setting.name(), origin, problem,
        dialect.frame(setting.name(), origin, String.valueOf(e.text()), problem), null);
  }

  private Entry entry(Setting<?> setting) {
    Entry e = entries.get(setting);
    if (e == null) {
      throw new IllegalArgumentException("not a declared setting here: " + setting.name());
    }
    return e;
  }

  private static SettingException error(Dialect dialect, Setting<?> s, String origin,
      String text, RuntimeException e) {
    if (e instanceof SettingException se) {
      return se;
    }
    String problem = dialect.problem(e);
    return new SettingException(s.name(), origin, problem,
        dialect.frame(s.name(), origin, text, problem), e);
  }

  /** The names of {@code settings}, in order. */
  public static List<String> names(List<Setting<?>> settings) {
    List<String> out = new ArrayList<>();
    for (Setting<?> s : settings) {
      out.add(s.name());
    }
    return List.copyOf(out);
  }
}
