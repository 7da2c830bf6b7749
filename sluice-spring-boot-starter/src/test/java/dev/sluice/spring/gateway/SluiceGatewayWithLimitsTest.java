package dev.sluice.spring.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway that also sets {@code sluice.limits}: the application-wide limiter ({@code
 * sluiceLimiter}, applied by the WebFilter to every request) and the gateway's route limiter
 * ({@code sluiceRateLimiter}) are two beans that start together, and each request takes from
 * both: the tighter decides.
 */
class SluiceGatewayWithLimitsTest {

  @Test
  void theApplicationsLimitsAndTheRoutesLimitsBothCount() throws Exception {
    try (Upstream upstream = new Upstream()) {
      List<String> p = new ArrayList<>(GatewayApps.route(0, "api", upstream.uri(), "/api/**",
          Map.of("sluice-rate-limiter.replenishRate", "1",
              "sluice-rate-limiter.burstCapacity", "5")));
      p.add("sluice.limits=3/minute");
      p.add("sluice.key=header:X-Client");
      try (ConfigurableApplicationContext gateway = GatewayApps.start(p, GatewayTestApp.class)) {
        assertThat(gateway.getBean("sluiceLimiter", RateLimiter.class).limits())
            .extracting(l -> l.rateText()).containsExactly("3/minute");
        assertThat(gateway.getBean("sluiceRateLimiter"))
            .isInstanceOf(SluiceGatewayRateLimiter.class);
        // the application's 3/minute is tighter than the route's burst of 5
        assertThat(GatewayApps.allowed(gateway, "/api/x", "carol", 6, 429)).isEqualTo(3);
        assertThat(GatewayApps.allowed(gateway, "/api/x", "dave", 6, 429)).isEqualTo(3);
      }
    }
  }
}
