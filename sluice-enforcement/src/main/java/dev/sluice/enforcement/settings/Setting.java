package dev.sluice.enforcement.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One setting, declared once: its name, the kind of its value, its default, its help text. The
 * name is the key in {@code sluice.yaml}, the command line option ({@code --http-port}), the
 * environment variable ({@code SLUICE_HTTP_PORT}), the servlet init-param and, after {@code
 * sluice.}, the Java or Spring Boot property. Immutable; declare settings as constants:
 *
 * <pre>{@code
 * public static final Setting<Integer> HTTP_PORT = Setting.of("http-port",
 *     ValueTypes.integer(0, 65535)).byDefault("8080").help("HTTP port; 0 picks a free port");
 * }</pre>
 *
 * @param <T> the value's Java type
 */
public final class Setting<T> {

  private final String name;
  private final ValueType<T> type;
  private final @Nullable String defaultText;
  private final String help;
  private final @Nullable String label;
  private final List<String> environmentAliases;
  private final @Nullable String requires;
  private final boolean blankIsUnset;

  private Setting(String name, ValueType<T> type, @Nullable String defaultText, String help,
      @Nullable String label, List<String> environmentAliases, @Nullable String requires,
      boolean blankIsUnset) {
    this.name = name;
    this.type = type;
    this.defaultText = defaultText;
    this.help = help;
    this.label = label;
    this.environmentAliases = List.copyOf(environmentAliases);
    this.requires = requires;
    this.blankIsUnset = blankIsUnset;
  }

  /**
   * A setting without a default (unset unless given) and without help yet.
   *
   * @param name lower case letters, digits and {@code -}: {@code http-port}
   */
  public static <T> Setting<T> of(String name, ValueType<T> type) {
    Objects.requireNonNull(type, "type");
    if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
      throw new IllegalArgumentException("a setting name is lower case words joined by -: "
          + name);
    }
    return new Setting<>(name, type, null, "", null, List.of(), null, false);
  }

  /** This setting with a default, spelled as a value is ({@code 50ms}, {@code fail-open}). */
  public Setting<T> byDefault(String text) {
    return new Setting<>(name, type, Objects.requireNonNull(text), help, label,
        environmentAliases, requires, blankIsUnset);
  }

  /** This setting with its help text: one sentence, no default (that is added from the declaration). */
  public Setting<T> help(String text) {
    return new Setting<>(name, type, defaultText, Objects.requireNonNull(text), label,
        environmentAliases, requires, blankIsUnset);
  }

  /** This setting with its own usage label ({@code ADDR}) instead of its type's ({@code N}). */
  public Setting<T> label(String text) {
    return new Setting<>(name, type, defaultText, help, Objects.requireNonNull(text),
        environmentAliases, requires, blankIsUnset);
  }

  /**
   * This setting also read from environment variable {@code variable} (after {@link #envName()}):
   * {@code MERGE_DOMAIN_CONFIG}, as in envoy's service.
   */
  public Setting<T> alsoFromEnvironment(String variable) {
    List<String> aliases = new ArrayList<>(environmentAliases);
    aliases.add(variable);
    return new Setting<>(name, type, defaultText, help, label, aliases, requires, blankIsUnset);
  }

  /**
   * This setting's values exist only with class {@code className} (from an optional module):
   * without it a given value is still checked ({@link ValueType#validate}), but {@link
   * Settings#get} fails.
   */
  public Setting<T> requires(String className) {
    return new Setting<>(name, type, defaultText, help, label, environmentAliases,
        Objects.requireNonNull(className), blankIsUnset);
  }

  /**
   * In servlet init-params and properties ({@link Sources#lookup}), a blank value of this setting
   * counts as unset.
   */
  public Setting<T> blankIsUnset() {
    return new Setting<>(name, type, defaultText, help, label, environmentAliases, requires,
        true);
  }

  public String name() {
    return name;
  }

  public ValueType<T> type() {
    return type;
  }

  /** The default as spelled, or null when the setting is unset unless given. */
  public @Nullable String defaultText() {
    return defaultText;
  }

  public String help() {
    return help;
  }

  /** What the value looks like in a usage line. */
  public String label() {
    return label != null ? label : type.label();
  }

  /** The environment variable: {@code http-port} is {@code SLUICE_HTTP_PORT}. */
  public String envName() {
    return envName(name);
  }

  /** The environment variable of a setting name: {@code http-port} is {@code SLUICE_HTTP_PORT}. */
  public static String envName(String setting) {
    return "SLUICE_" + setting.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** Further environment variables, read after {@link #envName()}. */
  public List<String> environmentAliases() {
    return environmentAliases;
  }

  /** The class this setting's values need, or null. */
  public @Nullable String requires() {
    return requires;
  }

  /** Whether a blank init-param or property counts as unset. */
  public boolean isBlankUnset() {
    return blankIsUnset;
  }

  /**
   * The help text with the allowed values and the default, as command line help shows it:
   * {@code Redis unreachable: what decisions get (fail-open, fail-closed or local-fallback;
   * default: fail-open).}
   */
  public String usage() {
    List<String> notes = new ArrayList<>();
    if (!type.choices().isEmpty() && !type.isFlag()) {
      notes.add(Dialect.alternatives(type.choices()));
    }
    if (defaultText != null) {
      notes.add("default: " + defaultText);
    }
    String text = help.endsWith(".") ? help.substring(0, help.length() - 1) : help;
    return notes.isEmpty() ? text + "." : text + " (" + String.join("; ", notes) + ").";
  }

  @Override
  public String toString() {
    return name;
  }
}
