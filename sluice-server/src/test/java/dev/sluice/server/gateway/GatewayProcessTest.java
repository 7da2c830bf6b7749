package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the gateway tests treat their processes: a missing binary fails, never skips. */
class GatewayProcessTest {

  @Test
  void aMissingGatewayFailsTheTestSayingHowToInstallIt() {
    assertThatThrownBy(() -> GatewayProcess.binary("/nonexistent/sbin/nginx", "nginx"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("nginx is not installed (no /nonexistent/sbin/nginx): these tests run the"
            + " real nginx; install it with `apt-get install -y nginx` (.ci/run does)");
  }

  @Test
  void aGatewayThatExitsAtStartFailsWithItsOutput(@TempDir Path dir) {
    assertThatThrownBy(() -> GatewayProcess.start("sh", dir,
        List.of("/bin/sh", "-c", "echo bad config >&2; exit 3"), Map.of(), 1))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("sh exited with 3 at start:")
        .hasMessageContaining("bad config");
    assertThat(dir.resolve("sh.out")).exists();
  }
}
