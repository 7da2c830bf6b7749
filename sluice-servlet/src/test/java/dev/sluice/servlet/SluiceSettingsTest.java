package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceSettingsTest {

  private static void configure(Map<String, String> settings) {
    SluiceSettings.configure(SluiceFilter.builder(), settings::get, "sluice.").build();
  }

  @Test
  void everyBadValueNamesItsSetting() {
    assertThatThrownBy(() -> configure(Map.of("headers", "fancy")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sluice.headers: unknown header style 'fancy'; use one of x-ratelimit, ietf,"
            + " both, none");
    assertThatThrownBy(() -> configure(Map.of("limits", "5 per fortnight")))
        .hasMessageStartingWith("sluice.limits: invalid limit \"5 per fortnight\"");
    assertThatThrownBy(() -> configure(Map.of("limits", "5/minute", "algorithm", "leaky")))
        .hasMessage("sluice.algorithm: unknown algorithm 'leaky'; use token-bucket, gcra,"
            + " fixed-window, sliding-window-log or sliding-window-counter");
    assertThatThrownBy(() -> configure(Map.of("key", "user+cookie")))
        .hasMessageStartingWith("sluice.key: unknown key part 'cookie'");
    assertThatThrownBy(() -> configure(Map.of("trusted-proxies", "10.0.0.0/33")))
        .hasMessage("sluice.trusted-proxies: '10.0.0.0/33': prefix length must be 0..32");
    assertThatThrownBy(() -> configure(Map.of("trusted-proxies", "proxy.internal")))
        .hasMessageStartingWith("sluice.trusted-proxies: 'proxy.internal' is not an IP address");
    assertThatThrownBy(() -> configure(Map.of("on-missing-key", "maybe")))
        .hasMessageStartingWith("sluice.on-missing-key: unknown value 'maybe'");
    assertThatThrownBy(() -> configure(Map.of("headers-on-allowed", "yes")))
        .hasMessage("sluice.headers-on-allowed: 'yes' is not true or false");
    assertThatThrownBy(() -> configure(Map.of("costs", "/a=x")))
        .hasMessage("sluice.costs: '/a=x': cost is not a number");
    assertThatThrownBy(() -> configure(Map.of("rules", "/no/such/dir")))
        .hasMessageStartingWith("sluice.rules: ");
    assertThatThrownBy(() -> configure(Map.of("descriptor-counting", "atomic")))
        .hasMessage("sluice.descriptor-counting: unknown descriptor counting 'atomic'; use"
            + " all-or-nothing or each");
    assertThatThrownBy(() -> configure(Map.of("domain", "shop")))
        .hasMessage("sluice.domain: set without sluice.rules");
    assertThatThrownBy(() -> SluiceSettings.backend(
        Map.of("backend", "http://localhost")::get, "sluice."))
        .hasMessageStartingWith("sluice.backend: 'http://localhost' is neither 'memory' nor");
    assertThatThrownBy(() -> SluiceSettings.backend(
        Map.of("backend", "redis://localhost:99999")::get, "sluice."))
        .hasMessageStartingWith("sluice.backend: ");
    assertThatThrownBy(() -> SluiceSettings.backend(
        Map.of("failure-policy", "retry")::get, "sluice."))
        .hasMessage("sluice.failure-policy: unknown failure policy 'retry'; use fail-open,"
            + " fail-closed or local-fallback");
    assertThatThrownBy(() -> SluiceSettings.backend(
        Map.of("redis-timeout", "soon")::get, "sluice."))
        .hasMessage("sluice.redis-timeout: 'soon' is not a duration; use e.g. 50ms, 2s or PT0.5S");
    assertThatThrownBy(() -> SluiceSettings.backend(
        Map.of("redis-timeout", "0ms")::get, "sluice."))
        .hasMessage("sluice.redis-timeout: '0ms' must be positive");
  }

  /** The redis-timeout setting, read as the filter reads durations. */
  private static java.time.Duration duration(String text) {
    return SluiceSettings.read(Map.of("redis-timeout", text)::get, "sluice.")
        .get(SluiceSettings.REDIS_TIMEOUT);
  }

  @Test
  void durationsReadHumanAndIsoForms() {
    assertThat(duration("50ms")).isEqualTo(java.time.Duration.ofMillis(50));
    assertThat(duration(" 2s ")).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(duration("1m")).isEqualTo(java.time.Duration.ofMinutes(1));
    assertThat(duration("PT0.5S")).isEqualTo(java.time.Duration.ofMillis(500));
  }

  @Test
  void goodValuesBuild() {
    configure(Map.of("limits", "2/minute;10/hour", "key", "user+path", "headers", "IETF",
        "headers-on-allowed", "false", "trusted-proxies", "10.0.0.0/8, ::1", "costs",
        "/a/**=3, /b=0", "on-missing-key", "reject", "api-key-header", "X-Key"));
    SluiceSettings.backend(Map.of("backend", "memory", "failure-policy", "fail-closed")::get, "x")
        .close();
  }

  @Test
  void rulesLoadFromAFileAndTheirOnlyDomainIsUsed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("shop.yaml");
    Files.writeString(file, "domain: shop\ndescriptors:\n  - key: remote_address\n"
        + "    rate_limit: {unit: minute, requests_per_unit: 5}\n");
    configure(Map.of("rules", file.toString()));
    assertThatThrownBy(() -> configure(Map.of("rules", file.toString(), "domain", "pub")))
        .hasMessage("sluice.domain: no domain 'pub' in " + file);
    Files.writeString(file, "domain: shop\ndescriptors:\n  - key: remote_address\n"
        + "    rate_limit: {unit: fortnight, requests_per_unit: 5}\n");
    assertThatThrownBy(() -> configure(Map.of("rules", file.toString())))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageContaining("sluice.rules: ").hasMessageContaining("fortnight");
  }

  @Test
  void theAlgorithmAppliesToEveryLimit() {
    assertThat(SluiceSettings.limits(
        Map.of("limits", "2/minute;10/hour", "algorithm", "Fixed-Window")::get, "sluice."))
        .extracting(l -> l.algorithm()).containsOnly(Algorithm.FIXED_WINDOW);
    assertThat(SluiceSettings.limits(Map.<String, String>of()::get, "sluice.")).isEmpty();
  }

  @Test
  void aCalendarPeriodIsAFixedWindowUnlessAnotherAlgorithmIsSet() {
    assertThat(SluiceSettings.limits(
        Map.of("limits", "10/second;1000/day@Europe/Paris")::get, "sluice."))
        .extracting(l -> l.algorithm())
        .containsExactly(Algorithm.TOKEN_BUCKET, Algorithm.FIXED_WINDOW);
    assertThatThrownBy(() -> SluiceSettings.limits(
        Map.of("limits", "1000/day@Europe/Paris", "algorithm", "gcra")::get, "sluice."))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageContaining("sluice.algorithm")
        .hasMessageContaining("a calendar period (day@Europe/Paris) applies only to FIXED_WINDOW");
    assertThatThrownBy(() -> SluiceSettings.limits(
        Map.of("limits", "1000/day@Europe/Pariss")::get, "sluice."))
        .hasMessageContaining("unknown time zone \"Europe/Pariss\"");
  }

  @Test
  void anUnknownInitParamIsNamed() {
    FilterConfig config = new FilterConfig() {
      @Override
      public String getFilterName() {
        return "sluice";
      }

      @Override
      public ServletContext getServletContext() {
        throw new UnsupportedOperationException();
      }

      @Override
      public String getInitParameter(String name) {
        return name.equals("header") ? "ietf" : null;
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(List.of("header"));
      }
    };
    assertThatThrownBy(() -> new SluiceFilter().init(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown init-param 'header'; use one of limits, algorithm, key,");
    assertThat(SluiceSettings.NAMES).contains("headers");
  }

  @Test
  void metricsIsOnUnlessSetToFalse() {
    assertThat(SluiceSettings.metrics(Map.<String, String>of()::get, "init-param ")).isTrue();
    assertThat(SluiceSettings.metrics(Map.of("metrics", " TRUE ")::get, "init-param ")).isTrue();
    assertThat(SluiceSettings.metrics(Map.of("metrics", "false")::get, "init-param ")).isFalse();
    assertThatThrownBy(() -> SluiceSettings.metrics(Map.of("metrics", "maybe")::get,
        "init-param "))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("init-param metrics: 'maybe' is not true or false");
    assertThat(SluiceSettings.NAMES).contains("metrics");
  }
  @Test
  void maxKeysBoundsTheMemoryBackend() {
    try (var backend = SluiceSettings.backend(Map.of("max-keys", "2")::get, "init-param ")) {
      assertThat(backend).isInstanceOfSatisfying(dev.sluice.memory.MemoryBackend.class,
          m -> assertThat(m.maxKeys()).isEqualTo(2));
    }
    try (var backend = SluiceSettings.backend(Map.of("max-keys", " ")::get, "init-param ")) {
      assertThat(((dev.sluice.memory.MemoryBackend) backend).maxKeys()).isEqualTo(1_000_000);
    }
    assertThatThrownBy(() -> SluiceSettings.backend(Map.of("max-keys", "0")::get, "init-param "))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("init-param max-keys: '0' is not an integer in 1..1000000000");
    assertThat(SluiceSettings.NAMES).contains("max-keys", "redis-timeout");
  }

  @Test
  void theIntegrationsTableListsEverySetting() throws Exception {
    String doc = Files.readString(Path.of("../docs/integrations.md"));
    String table = doc.substring(doc.indexOf("### Settings (init-params"));
    table = table.substring(0, table.indexOf("\n\n", table.indexOf("| name |")));
    List<String> documented = new java.util.ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\| `([a-z-]+)` \\|")
        .matcher(table);
    while (m.find()) {
      documented.add(m.group(1));
    }
    assertThat(documented).isEqualTo(SluiceSettings.NAMES);
  }
}
