package dev.sluice.spring.gateway;

import static dev.sluice.spring.gateway.GatewayApps.get;
import static dev.sluice.spring.gateway.GatewayApps.route;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import dev.sluice.testkit.redis.RedisStandalone;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two real gateways counting in one real redis-server ({@code sluice.backend=redis://...}) in
 * front of a real upstream: a client's requests through either gateway spend the same budget.
 */
class SluiceGatewayRedisTest {

  private RedisStandalone redis;
  private Upstream upstream;
  private final List<ConfigurableApplicationContext> gateways = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    redis = RedisStandalone.start();
    upstream = new Upstream();
    List<String> p = new ArrayList<>();
    p.add("sluice.backend=" + redis.uri());
    // the behaviour under test is the limits, not Redis latency on a busy machine
    p.add("sluice.redis-timeout=5s");
    p.addAll(route(0, "quota", upstream.uri(), "/quota/**",
        Map.of("sluice-rate-limiter.limits", "3/minute")));
    // RedisRateLimiter's shape: 20 tokens a request from a bucket of 50 filled at 1 a second
    p.addAll(route(1, "bucket", upstream.uri(), "/bucket/**", Map.of(
        "sluice-rate-limiter.replenishRate", "1",
        "sluice-rate-limiter.burstCapacity", "50",
        "sluice-rate-limiter.requestedTokens", "20")));
    gateways.add(GatewayApps.start(p, GatewayTestApp.class));
    gateways.add(GatewayApps.start(p, GatewayTestApp.class));
  }

  @AfterEach
  void stop() {
    gateways.forEach(ConfigurableApplicationContext::close);
    if (upstream != null) {
      upstream.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private int allowedThroughBoth(String path, String client, int n) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get(gateways.get(i % 2), path, client);
      assertThat(r.statusCode()).isIn(200, 429);
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(r.headers().firstValue("X-RateLimit-Remaining")).isPresent();
      }
    }
    return ok;
  }

  @Test
  void bothGatewaysSpendOneBudgetPerClientAndRoute() throws Exception {
    for (ConfigurableApplicationContext g : gateways) {
      assertThat(g.getBean(Backend.class)).isInstanceOf(RedisBackend.class);
    }
    assertThat(allowedThroughBoth("/quota/x", "alice", 6)).isEqualTo(3);
    assertThat(allowedThroughBoth("/quota/x", "bob", 5)).isEqualTo(3);
    assertThat(allowedThroughBoth("/bucket/x", "alice", 4)).isEqualTo(2);

    assertThat(upstream.calls("alice", "/quota/x")).isEqualTo(3);
    assertThat(upstream.calls("bob", "/quota/x")).isEqualTo(3);
    assertThat(upstream.calls("alice", "/bucket/x")).isEqualTo(2);
    for (ConfigurableApplicationContext g : gateways) {
      assertThat(((RedisBackend) g.getBean(Backend.class)).degradedDecisions()).isZero();
    }
  }
}
