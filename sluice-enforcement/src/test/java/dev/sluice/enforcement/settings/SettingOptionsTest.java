package dev.sluice.enforcement.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class SettingOptionsTest {

  private static CommandLine command() {
    CommandSpec spec = CommandSpec.create().name("serve");
    SettingOptions.addTo(spec, SettingsTest.ALL);
    return new CommandLine(spec);
  }

  @Test
  void optionsCollectTheTextGivenAndFlagsMayGoWithoutAValue() {
    CommandLine cli = command();
    cli.parseArgs("--port", "9000", "--flag", "--mode=eventual");
    assertThat(SettingOptions.given(cli.getCommandSpec(), SettingsTest.ALL))
        .containsExactlyInAnyOrderEntriesOf(Map.of("port", "9000", "flag", "true", "mode", "eventual"));
    cli = command();
    cli.parseArgs("--flag=false");
    assertThat(SettingOptions.given(cli.getCommandSpec(), SettingsTest.ALL))
        .containsExactlyEntriesOf(Map.of("flag", "false"));
  }

  @Test
  void theHelpComesFromTheDeclarations() {
    String usage = command().getUsageMessage().replaceAll("\\s+", " ");
    assertThat(usage).contains("--port=N A port (default: 8080).")
        .contains("--flag[=BOOL] A flag (default: false).")
        .contains("--mode=MODE consistent: every decision by the backend; eventual: local")
        .contains("(consistent or eventual; default: consistent).")
        .contains("--name=TEXT");
    assertThat(List.of(SettingsTest.PORT.usage(), SettingsTest.NAME.usage()))
        .containsExactly("A port (default: 8080).", ".");
  }
}
