package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.RateLimiter;
import dev.sluice.http.HeaderStyle;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.spi.Backend;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The properties are bound typed and go to the filter's settings as they are. */
@ExtendWith(OutputCaptureExtension.class)
class SluicePropertiesBindingTest {

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class));

  @Test
  void typedPropertiesReachTheBeans() {
    runner.withPropertyValues("sluice.max-keys=5", "sluice.limits=2/minute",
        "sluice.algorithm=fixed-window", "sluice.headers=IETF", "sluice.failure-policy=FAIL_CLOSED",
        "sluice.redis-timeout=2s", "sluice.trusted-proxies=10.0.0.0/8,::1").run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx.getBean(Backend.class)).isInstanceOfSatisfying(MemoryBackend.class,
              m -> assertThat(m.maxKeys()).isEqualTo(5));
          assertThat(ctx.getBean(RateLimiter.class).limits())
              .extracting(l -> l.algorithm()).containsExactly(Algorithm.FIXED_WINDOW);
          SluiceProperties p = ctx.getBean(SluiceProperties.class);
          assertThat(p.getHeaders()).isEqualTo(HeaderStyle.IETF);
          assertThat(p.getFailurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);
          assertThat(p.getRedisTimeout()).isEqualTo(Duration.ofSeconds(2));
          assertThat(p.getTrustedProxies()).containsExactly("10.0.0.0/8", "::1");
        });
    runner.withPropertyValues("sluice.descriptor-counting=each").run(ctx -> assertThat(
        ctx.getBean(SluiceProperties.class).getDescriptorCounting())
        .isEqualTo(Enforcer.Counting.EACH));
    runner.run(ctx -> assertThat(((MemoryBackend) ctx.getBean(Backend.class)).maxKeys())
        .isEqualTo(1_000_000));
  }

  @Test
  void typedValuesAreCheckedAgainstTheDeclarations() {
    runner.withPropertyValues("sluice.max-keys=0").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(cause(ctx.getStartupFailure())).hasMessage(
          "sluice.max-keys: '0' is not an integer in 1..1000000000");
    });
    runner.withPropertyValues("sluice.algorithm=leaky").run(ctx -> {
      InvalidSettingException e = cause(ctx.getStartupFailure());
      assertThat(e.setting()).isEqualTo("sluice.algorithm");
      assertThat(e).hasMessage("sluice.algorithm: unknown algorithm 'leaky'; use token-bucket,"
          + " gcra, fixed-window, sliding-window-log or sliding-window-counter");
    });
    runner.withPropertyValues("sluice.descriptor-counting=atomic").run(ctx -> assertThat(
        cause(ctx.getStartupFailure())).hasMessage("sluice.descriptor-counting: unknown"
            + " descriptor counting 'atomic'; use all-or-nothing or each"));
    runner.withPropertyValues("sluice.redis-timeout=5m").run(ctx -> assertThat(
        cause(ctx.getStartupFailure()))
        .hasMessage("sluice.redis-timeout: '300s' must be between 1ms and 60s"));
  }

  @Test
  void theStartupReportNamesTheProperty(CapturedOutput output) {
    SpringApplication app = new SpringApplication(TestApp.class);
    assertThatThrownBy(() -> app.run("--server.port=0", "--sluice.headers=fancy"))
        .isInstanceOf(RuntimeException.class);
    assertThat(output.getAll()).contains("Invalid Sluice setting sluice.headers: unknown header"
        + " style 'fancy'; use one of x-ratelimit, ietf, both, none")
        .contains("Fix sluice.headers in the application's configuration.");
  }

  private static InvalidSettingException cause(Throwable t) {
    while (!(t instanceof InvalidSettingException) && t.getCause() != null) {
      t = t.getCause();
    }
    assertThat(t).isInstanceOf(InvalidSettingException.class);
    return (InvalidSettingException) t;
  }
}
