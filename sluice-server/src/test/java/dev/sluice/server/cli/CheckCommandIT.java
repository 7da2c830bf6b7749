package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shaded jar, run as {@code java -jar} in its own process. */
class CheckCommandIT {

  private static final Path MODULE = Path.of("").toAbsolutePath();

  private static Processes.Result sluice(Map<String, String> env, String... args)
      throws Exception {
    List<String> command = new ArrayList<>(
        List.of(Processes.java(), "-jar", Processes.shadedJar().toString()));
    command.addAll(List.of(args));
    return Processes.run(MODULE, env, command);
  }

  @Test
  void validRulesPrintTheTreeOnStdoutAndExitZero() throws Exception {
    Processes.Result r = sluice(Map.of(), "check", CheckCommandTest.CLI + "valid");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo(CheckCommandTest.VALID_TREE);
    assertThat(r.code()).isZero();
  }

  @Test
  void invalidRulesPrintTheErrorsOnStderrAndExitOne() throws Exception {
    Processes.Result r = sluice(Map.of(), "check", CheckCommandTest.CLI + "invalid");
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo(CheckCommandTest.INVALID_ERRORS);
    assertThat(r.code()).isEqualTo(1);
  }

  @Test
  void mergeDomainConfigFromTheEnvironment() throws Exception {
    Processes.Result rejected = sluice(Map.of(), "check", CheckCommandTest.CLI + "duplicate");
    assertThat(rejected.code()).isEqualTo(1);
    Processes.Result merged = sluice(Map.of("MERGE_DOMAIN_CONFIG", "true"), "check",
        CheckCommandTest.CLI + "duplicate");
    assertThat(merged.out()).endsWith(
        "OK: 1 domain, 2 descriptors, 2 limits, 0 routes in 2 files (domains merged)\n");
    assertThat(merged.code()).isZero();
  }

  @Test
  void theJarKnowsItsVersionAndRejectsBadUsage() throws Exception {
    Processes.Result version = sluice(Map.of(), "--version");
    assertThat(version.out()).isEqualTo("sluice " + System.getProperty("sluice.version") + "\n");
    Processes.Result usage = sluice(Map.of(), "check");
    assertThat(usage.err()).startsWith("Missing required parameter: 'PATH'");
    assertThat(usage.code()).isEqualTo(2);
  }
}
