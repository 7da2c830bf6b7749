package dev.sluice.spring;

import dev.sluice.LimiterListener;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.micrometer.MemoryBackendMetrics;
import dev.sluice.micrometer.SluiceMetrics;
import dev.sluice.servlet.SluiceFilter;
import dev.sluice.spi.Backend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Counts Sluice's decisions in Micrometer when the application has a {@link MeterRegistry} (with
 * {@code spring-boot-starter-actuator}, say), in servlet and reactive applications alike: a {@link
 * SluiceMetrics} bean, which {@link SluiceAutoConfiguration} and {@link
 * dev.sluice.spring.webflux.SluiceWebFluxAutoConfiguration} give to every limiter they build (the
 * {@code sluice.limits} limiter, named {@value SluiceFilter#LIMITER_NAME}, {@code @RateLimited}
 * handlers and rules), and the gauges of the in-memory store ({@link MemoryBackendMetrics},
 * {@code store="memory"}). Decisions appear in {@code /actuator/prometheus} as {@code
 * sluice_decisions_total{limiter,limit,outcome}}.
 *
 * <p>A {@code RateLimiter} bean of the application's own gets metrics by taking the {@link
 * SluiceMetrics} bean as its {@link LimiterListener}. {@code sluice.metrics=false} turns this off.
 */
// after the registry is there: Boot 4 names, then Boot 3.5 names (an absent name is ignored)
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnWebApplication  // servlet and reactive (the WebFilter, the gateway's rate limiter)
@ConditionalOnClass({MeterRegistry.class, SluiceMetrics.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "sluice", name = {"enabled", "metrics"}, havingValue = "true",
    matchIfMissing = true)
public class SluiceMetricsAutoConfiguration {

  /** Hears the decisions of the limiters the starter builds; counts them in the registry. */
  @Bean
  @ConditionalOnMissingBean
  public SluiceMetrics sluiceMetrics(MeterRegistry registry) {
    return new SluiceMetrics(registry);
  }

  /** The gauges of Sluice's store, when it is in memory. */
  @Bean
  @ConditionalOnMissingBean(name = "sluiceStoreMetrics")
  public MeterBinder sluiceStoreMetrics(ObjectProvider<Backend> backend) {
    return registry -> {
      if (backend.getIfUnique() instanceof MemoryBackend memory) {
        new MemoryBackendMetrics(memory).bindTo(registry);
      }
    };
  }
}
