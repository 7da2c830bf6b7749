package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.enforcement.settings.Setting;
import dev.sluice.server.ServerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sluice serve}'s options come from the setting declarations. */
class ServeCommandTest {

  @Test
  void helpListsEveryDeclaredSettingWithItsDefault() {
    CheckCommandTest.Result r = CheckCommandTest.run(Map.of(), "serve", "--help");
    assertThat(r.code()).isZero();
    String help = r.out().replaceAll("\\s+", "");
    assertThat(help).contains("--config=FILE");
    for (Setting<?> s : ServerConfig.DECLARATIONS) {
      assertThat(help).contains("--" + s.name());
      assertThat(help).contains(s.usage().replaceAll("\\s+", ""));
      if (s.defaultText() != null) {
        assertThat(s.usage()).contains("default: " + s.defaultText());
      }
    }
    assertThat(help).contains("--failure-policy=POLICY")
        .contains("(fail-open,fail-closedorlocal-fallback;default:fail-open)")
        .contains("--merge-domains[=BOOL]")
        .contains("--max-keys=N");
  }

  @Test
  void aBadOptionIsNamedWithItsSourceAndExitsOne() {
    CheckCommandTest.Result r = CheckCommandTest.run(Map.of(), "serve", "--http-port", "80x");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("sluice serve: invalid http-port '80x' (from --http-port):"
        + " expected an integer in 0..65535\n");
    r = CheckCommandTest.run(Map.of("SLUICE_MAX_KEYS", "0"), "serve", "--merge-domains");
    assertThat(r.err()).isEqualTo("sluice serve: invalid max-keys '0' (from environment"
        + " SLUICE_MAX_KEYS): expected an integer in 1..1000000000\n");
    r = CheckCommandTest.run(Map.of("SLUICE_MAX_KEYS", "10"), "serve", "--failure-policy",
        "retry");
    assertThat(r.err()).isEqualTo("sluice serve: invalid failure-policy 'retry' (from"
        + " --failure-policy): expected fail-open, fail-closed or local-fallback\n");
  }

  @Test
  void anEnvoyVariableSluiceCannotHonourStopsTheStartNamingIt() {
    CheckCommandTest.Result r = CheckCommandTest.run(Map.of("SLUICE_ENVOY_ENV", "true",
        "BACKEND_TYPE", "memcache", "MEMCACHE_HOST_PORT", "mc:11211"), "serve");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("sluice serve: envoy variable BACKEND_TYPE='memcache' (from"
        + " environment BACKEND_TYPE) is not supported: only redis is supported (memcache is"
        + " not); without REDIS_URL the memory backend is used\n");
    r = CheckCommandTest.run(Map.of("SLUICE_ENVOY_ENV", "true", "PORT", "80x"), "serve");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("sluice serve: invalid http-port '80x' (from environment"
        + " PORT): expected an integer in 0..65535\n");
  }

  @Test
  void anUnknownOptionIsAUsageError() {
    CheckCommandTest.Result r = CheckCommandTest.run(Map.of(), "serve", "--http_port", "1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("Unknown options: '--http_port', '1'");
  }
}
