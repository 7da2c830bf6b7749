package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.LimiterListener;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Decisions of the filter's limiters, counted in Micrometer; and the filter without Micrometer. */
class SluiceFilterMetricsTest {

  private static final String LIMITED = SluiceFilterTest.Limited.class.getName();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private EmbeddedTomcat server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private double decisions(String limiter, String limit, String outcome) {
    Counter c = registry.find("sluice.decisions")
        .tags("limiter", limiter, "limit", limit, "outcome", outcome).counter();
    return c == null ? -1 : c.count();
  }

  private static String alice() {
    return "Basic " + Base64.getEncoder()
        .encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theRegistryCountsThePlainHandlerAndRuleLimitersAndTheStore() throws Exception {
    RuleSet rules = RuleLoader.create().parse(Map.of("shop.yaml", """
        domain: shop
        routes:
          - path: /pizza/**
            rate_limits:
              - actions:
                  - generic_key: {descriptor_key: route, descriptor_value: pizza}
                  - basic_auth_user: {}
        descriptors:
          - key: route
            value: pizza
            descriptors:
              - key: basic_auth_user
                rate_limit: {unit: minute, requests_per_unit: 2, name: pizza_per_user}
        """));
    server = new EmbeddedTomcat()
        .servlet("hello", new EmbeddedTomcat.Hello(), "/")
        .servlet("limited", new SluiceFilterTest.Limited(), "/limited/*")
        .filter(SluiceFilter.builder().limits("5/minute").rules(rules, "shop")
            .meterRegistry(registry).build())
        .start();

    assertThat(server.get("/limited/y").statusCode()).isEqualTo(200);
    assertThat(server.get("/limited/y").statusCode()).isEqualTo(200);
    assertThat(server.get("/limited/y").statusCode()).isEqualTo(429);  // the handler's 2/minute
    assertThat(server.get("/pizza/1", "Authorization", alice()).statusCode()).isEqualTo(200);
    assertThat(server.get("/pizza/2", "Authorization", alice()).statusCode()).isEqualTo(200);
    assertThat(server.get("/pizza/3", "Authorization", alice()).statusCode()).isEqualTo(429);

    assertThat(decisions("filter", "5/minute", "allowed")).isEqualTo(5);
    assertThat(decisions("filter", "5/minute", "denied")).isEqualTo(1);
    assertThat(decisions(LIMITED, "2/minute", "allowed")).isEqualTo(2);
    assertThat(decisions(LIMITED, "2/minute", "denied")).isEqualTo(1);
    // the last request was denied by the plain limits: the rules were not asked
    assertThat(decisions("rules:shop", "pizza_per_user", "allowed")).isEqualTo(2);
    assertThat(decisions("rules:shop", "pizza_per_user", "denied")).isEqualTo(0);
    // the doPost handler validated at start has decided nothing: it has no meters
    assertThat(registry.find("sluice.decisions").tag("limiter", LIMITED + "#doPost").meters())
        .isEmpty();
    // the filter's own store: the client address, its handler counter, alice's rule counter
    assertThat(registry.get("sluice.store.keys").tag("store", "memory").gauge().value())
        .isEqualTo(3);
    assertThat(registry.get("sluice.store.capacity").gauge().value()).isEqualTo(1_000_000);
    assertThat(registry.get("sluice.store.full.refusals").functionCounter().count()).isZero();
  }

  @Test
  void aFilterDeclaredInWebXmlCountsInTheContextsRegistry() throws Exception {
    server = new EmbeddedTomcat().servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .attribute(SluiceFilter.METER_REGISTRY_ATTRIBUTE, registry)
        .filter(SluiceFilter.class, Map.of("limits", "1/minute")).start();
    assertThat(server.get("/").statusCode()).isEqualTo(200);
    assertThat(server.get("/").statusCode()).isEqualTo(429);

    assertThat(decisions("filter", "1/minute", "allowed")).isEqualTo(1);
    assertThat(decisions("filter", "1/minute", "denied")).isEqualTo(1);
    assertThat(registry.get("sluice.store.keys").gauge().value()).isEqualTo(1);
  }

  @Test
  void metricsFalseCountsNothing() throws Exception {
    server = new EmbeddedTomcat().servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .attribute(SluiceFilter.METER_REGISTRY_ATTRIBUTE, registry)
        .filter(SluiceFilter.class, Map.of("limits", "1/minute", "metrics", "false")).start();
    assertThat(server.get("/").statusCode()).isEqualTo(200);
    assertThat(server.get("/").statusCode()).isEqualTo(429);
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void aListenerHearsTheLimitersByName() throws Exception {
    List<String> heard = new ArrayList<>();
    LimiterListener listener = new LimiterListener() {
      @Override
      public void onDecision(String limiter, long permits, Decision decision) {
        synchronized (heard) {
          heard.add(limiter + " " + permits + " " + (decision.allowed() ? "allowed" : "denied"));
        }
      }
    };
    server = new EmbeddedTomcat()
        .servlet("hello", new EmbeddedTomcat.Hello(), "/")
        .servlet("limited", new SluiceFilterTest.Limited(), "/limited/*")
        .filter(SluiceFilter.builder().limits("1/minute").cost("/limited/**", 0)
            .listener(listener).meterRegistry(registry).build())
        .start();
    server.send("POST", "/limited/x");
    server.get("/");
    server.get("/");

    assertThat(heard).containsExactly("filter 0 allowed", LIMITED + "#doPost 2 allowed",
        "filter 1 allowed", "filter 1 denied");
    assertThat(decisions("filter", "1/minute", "allowed")).isEqualTo(2);   // and the registry too
  }

  @Test
  void meterRegistryTakesOnlyARegistry() {
    assertThatThrownBy(() -> SluiceFilter.builder().meterRegistry("registry"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("meterRegistry: java.lang.String is not an"
            + " io.micrometer.core.instrument.MeterRegistry");
  }

  @Test
  void withoutMicrometerTheFilterWorksAndCountsNothing() throws Exception {
    @SuppressWarnings("unchecked")
    Callable<List<String>> probe = (Callable<List<String>>) new WithoutMicrometer()
        .loadClass(WithoutMicrometerProbe.class.getName()).getDeclaredConstructor().newInstance();
    assertThat(probe.call()).containsExactly(
        "filter loaded by without-micrometer",
        "no Micrometer",
        "web.xml: 200 429",
        "builder: 200 429",
        "meterRegistry needs dev.sluice:sluice-micrometer and Micrometer on the class path");
  }
}
