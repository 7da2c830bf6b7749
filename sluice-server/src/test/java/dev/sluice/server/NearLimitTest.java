package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code near-limit-ratio}: which admitted decisions {@code sluice_decisions_total} counts as
 * {@code near_limit}, over real HTTP and read from {@code /metrics}; bad values name the setting.
 */
class NearLimitTest {

  private static final String RULES = """
      domain: near
      descriptors:
        - key: user
          rate_limit: {unit: hour, requests_per_unit: 10}
      """;

  @TempDir Path dir;

  private static String counted(Running s, String outcome) throws Exception {
    return s.metrics().lines()
        .filter(l -> l.startsWith("sluice_decisions_total{descriptor=\"near.user\",domain=\"near\","
            + "outcome=\"" + outcome + "\"}"))
        .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("0");
  }

  private static void tenAndOneMore(Running s) throws Exception {
    for (int i = 0; i < 11; i++) {
      s.post("/json", Running.envoy("near", "user", "u"));
    }
  }

  @Test
  void byDefaultEnvoysPointEight() throws Exception {
    try (Running s = Running.start(dir, Map.of("near.yaml", RULES), Map.of())) {
      assertThat(s.server.config().nearLimitRatio()).isEqualTo(0.8);
      tenAndOneMore(s);
      // uses 1..8 are not over floor(10 × 0.8) = 8; 9 and 10 are
      assertThat(counted(s, "ok")).isEqualTo("8.0");
      assertThat(counted(s, "near_limit")).isEqualTo("2.0");
      assertThat(counted(s, "over_limit")).isEqualTo("1.0");
    }
  }

  @Test
  void aRatioOfItsOwn() throws Exception {
    try (Running s = Running.start(dir, Map.of("near.yaml", RULES),
        Map.of("near-limit-ratio", "0.35"))) {
      tenAndOneMore(s);
      // floor(3.5) = 3: uses 4..10 are near
      assertThat(counted(s, "ok")).isEqualTo("3.0");
      assertThat(counted(s, "near_limit")).isEqualTo("7.0");
      assertThat(counted(s, "over_limit")).isEqualTo("1.0");
    }
  }

  @Test
  void aBadRatioNamesTheSettingAndItsSource() throws Exception {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("near-limit-ratio", "1.5"), Map.of(),
        null)).isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("invalid near-limit-ratio '1.5' (from --near-limit-ratio): expected a number"
            + " between 0 and 1");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(),
        Map.of("SLUICE_NEAR_LIMIT_RATIO", "most"), null))
        .hasMessage("invalid near-limit-ratio 'most' (from environment SLUICE_NEAR_LIMIT_RATIO):"
            + " expected a number between 0 and 1");
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "near-limit-ratio: -0.1\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of(), file))
        .hasMessage("invalid near-limit-ratio '-0.1' (from " + file + " key near-limit-ratio):"
            + " expected a number between 0 and 1");
  }
}
