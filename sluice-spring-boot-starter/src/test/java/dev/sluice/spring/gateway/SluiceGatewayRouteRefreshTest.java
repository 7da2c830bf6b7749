package dev.sluice.spring.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.http.HeaderStyle;
import dev.sluice.memory.MemoryBackend;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter.Response;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.convert.support.DefaultConversionService;

/**
 * The limiter as the gateway drives it when it (re)binds routes: the gateway's own argument
 * binding, limiters kept or rebuilt with their counts, and the policy for a route whose arguments
 * cannot work: it keeps its limiter, or is let through uncounted.
 */
class SluiceGatewayRouteRefreshTest {

  private final MemoryBackend backend = MemoryBackend.builder().clock(new ManualClock()).build();
  private final SluiceGatewayRateLimiter limiter = new SluiceGatewayRateLimiter(backend,
      new ConfigurationService(new DefaultListableBeanFactory(),
          DefaultConversionService::getSharedInstance, () -> null),
      HeaderStyle.X_RATELIMIT, false, null);

  @AfterEach
  void close() {
    backend.close();
  }

  private void bind(String routeId, Map<String, Object> args) {
    limiter.onApplicationEvent(new FilterArgsEvent(this, routeId, args));
  }

  private Response decide(String routeId, String key) {
    return limiter.isAllowed(routeId, key).block();
  }

  @Test
  void aRefreshWithTheSameArgumentsKeepsTheLimiterAndChangedLimitsKeepTheCounts() {
    bind("r", Map.of("sluice-rate-limiter.limits", "3/minute"));
    RateLimiter first = limiter.routeLimiter("r");
    assertThat(first.name()).isEqualTo("gateway:r");
    assertThat(decide("r", "k").isAllowed()).isTrue();
    assertThat(decide("r", "k").isAllowed()).isTrue();
    bind("r", Map.of("sluice-rate-limiter.limits", "3/minute"));
    assertThat(limiter.routeLimiter("r")).isSameAs(first);

    bind("r", Map.of("sluice-rate-limiter.limits", "2/minute"));
    assertThat(limiter.routeLimiter("r")).isNotSameAs(first);
    // 2 taken under 3/minute: none left under 2/minute
    Response refused = decide("r", "k");
    assertThat(refused.isAllowed()).isFalse();
    assertThat(refused.getHeaders()).containsEntry("X-RateLimit-Limit", "2")
        .containsEntry("X-RateLimit-Remaining", "0").containsKey("Retry-After");
    // headers-on-allowed=false: an allowed response carries none
    Response other = decide("r", "other");
    assertThat(other.isAllowed()).isTrue();
    assertThat(other.getHeaders()).isEmpty();
  }

  @Test
  void badArgumentsOnARefreshKeepTheRoutesLimits() {
    bind("orders", Map.of("sluice-rate-limiter.limits", "2/minute"));
    RateLimiter before = limiter.routeLimiter("orders");
    assertThat(decide("orders", "k").isAllowed()).isTrue();
    // logged, naming the route and the argument; the gateway's refresh goes on
    bind("orders", Map.of("sluice-rate-limiter.burstCapacity", "0",
        "sluice-rate-limiter.replenishRate", "1"));
    assertThat(limiter.routeLimiter("orders")).isSameAs(before);
    assertThat(decide("orders", "k").isAllowed()).isTrue();
    assertThat(decide("orders", "k").isAllowed()).isFalse();
  }

  @Test
  void badArgumentsOnANewRouteLetItThroughUncounted() {
    bind("search", Map.of("sluice-rate-limiter.limits", "lots"));
    assertThat(limiter.routeLimiter("search")).isNull();
    for (int i = 0; i < 3; i++) {
      Response r = decide("search", "k");
      assertThat(r.isAllowed()).isTrue();
      assertThat(r.getHeaders()).isEmpty();
    }
  }

  @Test
  void aRouteWithoutArgumentsIsLetThroughUncounted() {
    Response r = decide("unconfigured", "k");
    assertThat(r.isAllowed()).isTrue();
    assertThat(r.getHeaders()).isEmpty();
    assertThat(limiter.routeLimiter("unconfigured")).isNull();
  }
}
