package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.enforcement.settings.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/server.md's settings table and the declarations agree: names, order and defaults ({@code —}
 * for a setting that is unset unless given).
 */
class SettingsDocsTest {

  /** A row: the name, and the default in backticks, or {@code —} for a setting unset by default. */
  private static final Pattern ROW =
      Pattern.compile("^\\| `([a-z0-9-]+)` \\| (?:`([^`]*)`|—) \\|");

  @Test
  void theSettingsTableListsEveryDeclaredSettingWithItsDefault() throws Exception {
    String doc = Files.readString(Path.of("../docs/server.md"));
    String section = doc.substring(doc.indexOf("## Settings"));
    section = section.substring(0, section.indexOf("\n## ", 3));
    Map<String, String> documented = new LinkedHashMap<>();
    for (String line : section.split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        documented.put(m.group(1), m.group(2) == null ? "—" : m.group(2));
      }
    }
    Map<String, String> declared = new LinkedHashMap<>();
    for (Setting<?> s : ServerConfig.DECLARATIONS) {
      declared.put(s.name(), s.defaultText() == null ? "—" : s.defaultText());
    }
    assertThat(documented).containsExactlyEntriesOf(declared);
  }
}
