package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.micrometer.SluiceMetrics;
import dev.sluice.servlet.SluiceFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** When the starter counts decisions in Micrometer, and when it stays out of the way. */
class SluiceMetricsAutoConfigurationTest {

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
          SluiceMetricsAutoConfiguration.class))
      .withPropertyValues("sluice.limits=1/minute");

  private static double decisions(MeterRegistry registry, String outcome) {
    return registry.get("sluice.decisions")
        .tags("limiter", "filter", "limit", "1/minute", "outcome", outcome).counter().count();
  }

  @Test
  void withAMeterRegistryTheLimiterIsCountedAndTheStoreBound() {
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(SluiceMetrics.class);
      MeterRegistry registry = ctx.getBean(MeterRegistry.class);
      RateLimiter limiter = ctx.getBean(RateLimiter.class);
      assertThat(limiter.name()).isEqualTo("filter");
      limiter.tryAcquire("k");
      limiter.tryAcquire("k");
      assertThat(decisions(registry, "allowed")).isEqualTo(1);
      assertThat(decisions(registry, "denied")).isEqualTo(1);
      // Spring Boot's metrics auto-configuration binds MeterBinder beans; here, by hand
      ctx.getBean("sluiceStoreMetrics", MeterBinder.class).bindTo(registry);
      assertThat(registry.get("sluice.store.keys").gauge().value()).isEqualTo(1);
    });
  }

  @Test
  void everyListenerBeanHearsTheDecisions() {
    List<String> heard = new ArrayList<>();
    LimiterListener recorder = new LimiterListener() {
      @Override
      public void onDecision(String limiter, long permits, Decision decision) {
        heard.add(limiter + " " + decision.allowed());
      }
    };
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean("recorder", LimiterListener.class, () -> recorder).run(ctx -> {
          ctx.getBean(RateLimiter.class).tryAcquire("k");
          assertThat(heard).containsExactly("filter true");
          assertThat(decisions(ctx.getBean(MeterRegistry.class), "allowed")).isEqualTo(1);
        });
  }

  @Test
  void withoutAMeterRegistryThereIsNothingToCount() {
    runner.run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(SluiceFilter.class)
        .doesNotHaveBean(SluiceMetrics.class));
  }

  @Test
  void withoutMicrometerOnTheClassPathTheFilterStillStarts() {
    runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(SluiceFilter.class)
            .hasSingleBean(RateLimiter.class).doesNotHaveBean(SluiceMetrics.class));
  }

  @Test
  void metricsCanBeSwitchedOff() {
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("sluice.metrics=false")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().doesNotHaveBean(SluiceMetrics.class);
          ctx.getBean(RateLimiter.class).tryAcquire("k");
          assertThat(ctx.getBean(MeterRegistry.class).find("sluice.decisions").meters())
              .isEmpty();
        });
  }
}
