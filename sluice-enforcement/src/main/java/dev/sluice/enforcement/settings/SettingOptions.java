package dev.sluice.enforcement.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Command line options made from setting declarations with picocli's programmatic API: one
 * {@code --<name>} option per setting, whose help is the setting's {@link Setting#usage()} (so
 * {@code --help} shows the allowed values and the defaults of the declarations). The options only
 * collect text: the values are read with the other sources by {@link Settings#resolve}, so that
 * the command line, the environment and the settings file share one parser and one precedence.
 */
public final class SettingOptions {

  private SettingOptions() {}

  /** Adds an option to {@code command} for each of {@code settings}. */
  public static void addTo(CommandSpec command, List<Setting<?>> settings) {
    for (Setting<?> s : settings) {
      OptionSpec.Builder option = OptionSpec.builder("--" + s.name())
          .paramLabel(s.label())
          .type(String.class)
          .description(s.usage());
      if (s.type().isFlag()) {
        option.arity("0..1").fallbackValue("true");
      }
      command.addOption(option.build());
    }
  }

  /**
   * The settings given on {@code command}'s last parsed command line, by name (for {@link
   * Sources#commandLine}).
   */
  public static Map<String, String> given(CommandSpec command, List<Setting<?>> settings) {
    ParseResult parsed = command.commandLine().getParseResult();
    Map<String, String> given = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      String option = "--" + s.name();
      if (parsed != null && parsed.hasMatchedOption(option)) {
        String value = parsed.matchedOptionValue(option, null);
        if (value != null) {
          given.put(s.name(), value);
        }
      }
    }
    return given;
  }
}
