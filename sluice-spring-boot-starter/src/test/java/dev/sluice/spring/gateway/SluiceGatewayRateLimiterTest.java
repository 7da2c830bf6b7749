package dev.sluice.spring.gateway;

import static dev.sluice.spring.gateway.GatewayApps.allowed;
import static dev.sluice.spring.gateway.GatewayApps.get;
import static dev.sluice.spring.gateway.GatewayApps.route;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A real gateway (Netty, random port) in front of a real upstream, RequestRateLimiter counting with
 * Sluice in memory on a manual clock: exact counts per client and route, headers, status codes,
 * metrics, and what the upstream saw.
 */
class SluiceGatewayRateLimiterTest {

  /** The memory backend on a clock the test moves. */
  @Configuration(proxyBeanMethods = false)
  static class ManualTime {
    static final ManualClock CLOCK = new ManualClock();

    @Bean
    Backend sluiceBackend() {
      return MemoryBackend.builder().clock(CLOCK).build();
    }
  }

  private Upstream upstream;
  private ConfigurableApplicationContext gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = new Upstream();
    List<String> p = new ArrayList<>();
    // RedisRateLimiter's shape: 1 a second, 3 at once; named limiter, the only one: also default
    p.addAll(route(0, "bucket", upstream.uri(), "/bucket/**", Map.of(
        "rate-limiter", "#{@sluiceRateLimiter}",
        "sluice-rate-limiter.replenishRate", "1",
        "sluice-rate-limiter.burstCapacity", "3")));
    // Sluice's shape, 2 tokens a request, and the route's own refusal status
    p.addAll(route(1, "quota", upstream.uri(), "/quota/**", new LinkedHashMap<>(Map.of(
        "sluice-rate-limiter.limits", "5/minute;100/day",
        "sluice-rate-limiter.algorithm", "fixed-window",
        "sluice-rate-limiter.requestedTokens", "2",
        "status-code", "SERVICE_UNAVAILABLE"))));
    p.add("sluice.headers=both");
    gateway = GatewayApps.start(p, GatewayTestApp.class, ManualTime.class);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  @Test
  void theBeanIsTheGatewaysRateLimiter() {
    assertThat(gateway.getBean("sluiceRateLimiter")).isInstanceOf(SluiceGatewayRateLimiter.class);
    assertThat(gateway.getBeansOfType(RateLimiter.class)).containsOnlyKeys("sluiceRateLimiter");
  }

  @Test
  void countsEachClientOnEachRouteExactly() throws Exception {
    assertThat(allowed(gateway, "/bucket/a", "alice", 5, 429)).isEqualTo(3);
    assertThat(allowed(gateway, "/bucket/a", "bob", 4, 429)).isEqualTo(3);
    ManualTime.CLOCK.advance(Duration.ofSeconds(1));
    assertThat(allowed(gateway, "/bucket/a", "alice", 3, 429)).isEqualTo(1);
    // 5 a minute at 2 tokens a request: 2 requests; a route counts apart from the others
    assertThat(allowed(gateway, "/quota/b", "alice", 4, 503)).isEqualTo(2);

    assertThat(upstream.calls("alice", "/bucket/a")).isEqualTo(4);
    assertThat(upstream.calls("bob", "/bucket/a")).isEqualTo(3);
    assertThat(upstream.calls("alice", "/quota/b")).isEqualTo(2);

    MeterRegistry registry = gateway.getBean(MeterRegistry.class);
    assertThat(registry.get("sluice.decisions").tag("limiter", "gateway:bucket")
        .tag("outcome", "allowed").counter().count()).isEqualTo(7);
    assertThat(registry.get("sluice.decisions").tag("limiter", "gateway:bucket")
        .tag("outcome", "denied").counter().count()).isEqualTo(5);
    assertThat(registry.get("sluice.decisions").tag("limiter", "gateway:quota")
        .tag("outcome", "denied").counter().count()).isEqualTo(2);
  }

  @Test
  void answersWithSluicesHeaders() throws Exception {
    HttpResponse<String> first = get(gateway, "/bucket/h", "carol");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("upstream");
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"1/second\";q=1;w=1");
    assertThat(first.headers().firstValue("Retry-After")).isEmpty();
    get(gateway, "/bucket/h", "carol");
    get(gateway, "/bucket/h", "carol");
    HttpResponse<String> refused = get(gateway, "/bucket/h", "carol");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"1/second\";r=0;t=3");

    get(gateway, "/quota/h", "carol");
    get(gateway, "/quota/h", "carol");
    HttpResponse<String> over = get(gateway, "/quota/h", "carol");
    assertThat(over.statusCode()).isEqualTo(503);
    assertThat(over.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"5/minute\";q=5;w=60, \"100/day\";q=100;w=86400");
    assertThat(over.headers().firstValue("X-RateLimit-Limit")).hasValue("5");
    assertThat(over.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
    assertThat(over.headers().firstValue("Retry-After")).isPresent();
    assertThat(upstream.calls("carol", "/quota/h")).isEqualTo(2);
  }

  @Test
  void aRequestWithoutKeyIsTheGatewaysToRefuse() throws Exception {
    // the key resolver finds no X-Client: deny-empty-key (default true) answers 403 before Sluice
    HttpResponse<String> r = get(gateway, "/bucket/n", null);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(upstream.calls("null", "/bucket/n")).isZero();
  }
}
