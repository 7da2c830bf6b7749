package dev.sluice.spring.gateway;

import static dev.sluice.spring.gateway.GatewayApps.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.spring.SettingFailures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.NestedExceptionUtils;

/** Route arguments that cannot work stop the gateway at startup, naming the route and argument. */
class SluiceGatewayStartupTest {

  private static final String UPSTREAM = "http://127.0.0.1:9";

  private static InvalidSettingException startupFailure(List<String> properties) {
    Throwable[] thrown = new Throwable[1];
    assertThatThrownBy(() -> GatewayApps.start(properties, GatewayTestApp.class).close())
        .satisfies(t -> thrown[0] = t);
    Throwable cause = thrown[0];
    while (cause != null && !(cause instanceof InvalidSettingException)) {
      cause = cause.getCause();
    }
    assertThat(cause).as("cause of %s", NestedExceptionUtils.getMostSpecificCause(thrown[0]))
        .isInstanceOf(InvalidSettingException.class);
    return (InvalidSettingException) cause;
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "sluice-rate-limiter.replenishRate=0   | replenishRate | must be at least 1",
      "sluice-rate-limiter.burstCapacity=0   | burstCapacity | must be at least 1",
      "sluice-rate-limiter.requestedTokens=-1 | requestedTokens | must be 0 or more",
      "sluice-rate-limiter.replenishRate=ten | replenishRate | 'ten' is not a whole number",
      "sluice-rate-limiter.algorithm=fancy   | algorithm     | fancy",
  })
  void aBadArgumentOfTheBucketShapeNamesItsRoute(String arg, String name, String problem) {
    String[] kv = arg.split("=", 2);
    Map<String, String> args = new java.util.LinkedHashMap<>();
    args.put("sluice-rate-limiter.replenishRate", "5");
    args.put("sluice-rate-limiter.burstCapacity", "10");
    args.put(kv[0], kv[1]);
    List<String> p = new ArrayList<>(route(0, "good", UPSTREAM, "/good/**",
        Map.of("sluice-rate-limiter.limits", "1/second")));
    p.addAll(route(1, "orders", UPSTREAM, "/orders/**", args));
    InvalidSettingException e = startupFailure(p);
    assertThat(e.setting()).isEqualTo("route 'orders' (spring.cloud.gateway.server.webflux"
        + ".routes[1].filters[0]) sluice-rate-limiter." + name);
    assertThat(e.getMessage()).contains(problem);
  }

  @Test
  void badLimitsTextIsReportedAsForSluiceLimits() {
    InvalidSettingException e = startupFailure(route(0, "search", UPSTREAM, "/s/**",
        Map.of("sluice-rate-limiter.limits", "lots per second")));
    assertThat(e.setting()).endsWith("sluice-rate-limiter.limits");
    assertThat(e.getMessage()).startsWith("route 'search' (spring.cloud.gateway.server.webflux"
        + ".routes[0].filters[0]) sluice-rate-limiter.limits: ");
  }

  @Test
  void bothShapesAtOnceAreRefused() {
    InvalidSettingException e = startupFailure(route(0, "mixed", UPSTREAM, "/m/**", Map.of(
        "sluice-rate-limiter.limits", "5/second",
        "sluice-rate-limiter.replenishRate", "5")));
    assertThat(e.getMessage()).contains("set either limits or replenishRate/burstCapacity");
  }

  @Test
  void aRouteCountingWithSluiceWithoutArgumentsIsRefused() {
    InvalidSettingException e = startupFailure(route(0, "bare", UPSTREAM, "/b/**",
        Map.of("rate-limiter", "#{@sluiceRateLimiter}")));
    assertThat(e.setting()).isEqualTo("route 'bare' (spring.cloud.gateway.server.webflux"
        + ".routes[0].filters[0]) sluice-rate-limiter.limits");
    assertThat(e.getMessage()).contains("has no sluice-rate-limiter.* arguments");
  }

  @Test
  void theFailureAnalyzerReportsTheArgument() throws Exception {
    InvalidSettingException e = startupFailure(route(0, "orders", UPSTREAM, "/o/**",
        Map.of("sluice-rate-limiter.replenishRate", "0")));
    FailureAnalysis a = SettingFailures.analyze(e);
    assertThat(a.getDescription()).isEqualTo("Invalid Sluice setting route 'orders'"
        + " (spring.cloud.gateway.server.webflux.routes[0].filters[0])"
        + " sluice-rate-limiter.replenishRate: must be at least 1 (permits added each second),"
        + " was 0");
    assertThat(a.getAction()).startsWith("Fix route 'orders'");
  }

  @Test
  void spelArgumentsThatCannotWorkLetTheRouteThroughUncountedNeverAnError() throws Exception {
    try (Upstream upstream = new Upstream()) {
      List<String> p = new ArrayList<>(route(0, "spel", upstream.uri(), "/spel/**",
          Map.of("sluice-rate-limiter.limits", "#{'lots'}")));
      p.addAll(route(1, "fine", upstream.uri(), "/fine/**",
          Map.of("sluice-rate-limiter.limits", "#{'1/minute'}")));
      try (var gateway = GatewayApps.start(p, GatewayTestApp.class)) {
        assertThat(GatewayApps.allowed(gateway, "/spel/x", "alice", 3, 429)).isEqualTo(3);
        assertThat(upstream.calls("alice", "/spel/x")).isEqualTo(3);
        // the other routes are served and counted
        assertThat(GatewayApps.allowed(gateway, "/fine/x", "alice", 2, 429)).isEqualTo(1);
      }
    }
  }
}
