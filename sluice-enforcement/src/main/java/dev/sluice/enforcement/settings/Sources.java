package dev.sluice.enforcement.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** The sources of settings. */
public final class Sources {

  private Sources() {}

  /**
   * Options given on a command line, by setting name ({@code http-port} to {@code 9090}); named
   * {@code --http-port} in messages.
   *
   * @throws SettingException when a name is not among {@code declared}
   */
  public static Source commandLine(Map<String, String> given, List<Setting<?>> declared) {
    Map<String, String> copy = Map.copyOf(given);
    for (String name : copy.keySet()) {
      if (declared.stream().noneMatch(s -> s.name().equals(name))) {
        throw new SettingException("--" + name, "unknown setting '" + name + "'");
      }
    }
    return new Source() {
      @Override
      public @Nullable Given find(Setting<?> setting) {
        String v = copy.get(setting.name());
        return v == null ? null : Given.text(v, nameOf(setting));
      }

      @Override
      public String nameOf(Setting<?> setting) {
        return "--" + setting.name();
      }
    };
  }

  /**
   * The process environment: {@code SLUICE_<NAME>} ({@link Setting#envName()}), then the
   * setting's {@linkplain Setting#environmentAliases() aliases}.
   */
  public static Source environment(Map<String, String> env) {
    Map<String, String> copy = Map.copyOf(env);
    return new Source() {
      @Override
      public @Nullable Given find(Setting<?> setting) {
        String v = copy.get(setting.envName());
        if (v != null) {
          return Given.text(v, "environment " + setting.envName());
        }
        for (String alias : setting.environmentAliases()) {
          String a = copy.get(alias);
          if (a != null) {
            return Given.text(a, "environment " + alias);
          }
        }
        return null;
      }

      @Override
      public String nameOf(Setting<?> setting) {
        return "environment " + setting.envName();
      }
    };
  }

  /**
   * A settings file ({@code sluice.yaml}): a YAML mapping of setting name to a scalar value. Read
   * now; a value is named {@code <file> key <name>} in messages.
   *
   * @throws SettingException naming the file (and the key) when it cannot be read, is not a
   *     mapping, has an unknown key or a value that is not a scalar
   */
  public static Source yaml(Path file, List<Setting<?>> declared) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw new SettingException(file.toString(), "cannot read config file " + file + ": "
          + e.getMessage());
    } catch (RuntimeException e) {
      throw new SettingException(file.toString(), "cannot read config file " + file
          + ": not UTF-8 YAML");
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (!root.isObject()) {
        throw new SettingException(file.toString(), file
            + ": expected a mapping of setting: value");
      }
      List<String> names = declared.stream().map(Setting::name).toList();
      for (Map.Entry<String, JsonNode> e : root.properties()) {
        if (!names.contains(e.getKey())) {
          throw new SettingException(file.toString(), file + ": unknown setting '" + e.getKey()
              + "' (known: " + String.join(", ", names) + ")");
        }
        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
          throw new SettingException(file + " key " + e.getKey(), file + " key " + e.getKey()
              + ": expected a scalar value");
        }
        values.put(e.getKey(), e.getValue().asText());
      }
    }
    return new Source() {
      @Override
      public @Nullable Given find(Setting<?> setting) {
        String v = values.get(setting.name());
        return v == null ? null : Given.text(v, nameOf(setting));
      }

      @Override
      public String nameOf(Setting<?> setting) {
        return file + " key " + setting.name();
      }
    };
  }

  /**
   * Text looked up by setting name: servlet init-params ({@code prefix} {@code "init-param "}),
   * Java properties or a Spring {@code Environment} ({@code "sluice."}, with the name after it).
   * A value is named {@code <prefix><name>} in messages; a blank value of a setting {@linkplain
   * Setting#blankIsUnset() so declared} counts as unset.
   */
  public static Source lookup(Function<String, @Nullable String> lookup, String prefix) {
    return new Source() {
      @Override
      public @Nullable Given find(Setting<?> setting) {
        String v = lookup.apply(setting.name());
        if (v == null || (v.isBlank() && setting.isBlankUnset())) {
          return null;
        }
        return Given.text(v, nameOf(setting));
      }

      @Override
      public String nameOf(Setting<?> setting) {
        return prefix + setting.name();
      }
    };
  }

  /**
   * Values bound by a framework (Spring Boot's {@code sluice.*} properties): each setting is given
   * as a value of its type when the framework binds it typed, or as text when the framework holds
   * text. Named {@code <prefix><name>} in messages.
   */
  public static Bound bound(String prefix) {
    return new Bound(prefix);
  }

  /** Values bound by a framework, filled with {@link #value} and {@link #text}. */
  public static final class Bound implements Source {
    private final String prefix;
    private final Map<Setting<?>, Given> given = new LinkedHashMap<>();

    private Bound(String prefix) {
      this.prefix = prefix;
    }

    /** {@code setting}'s value, already of its type; null: unset. */
    public <T> Bound value(Setting<T> setting, @Nullable T value) {
      if (value != null) {
        given.put(setting, Given.value(value, nameOf(setting)));
      }
      return this;
    }

    /**
     * {@code setting}'s value as text, read as the setting reads text; null (or blank, for a
     * setting {@linkplain Setting#blankIsUnset() so declared}): unset.
     */
    public Bound text(Setting<?> setting, @Nullable String text) {
      if (text != null && !(text.isBlank() && setting.isBlankUnset())) {
        given.put(setting, Given.text(text, nameOf(setting)));
      }
      return this;
    }

    @Override
    public @Nullable Given find(Setting<?> setting) {
      return given.get(setting);
    }

    @Override
    public String nameOf(Setting<?> setting) {
      return prefix + setting.name();
    }
  }
}
