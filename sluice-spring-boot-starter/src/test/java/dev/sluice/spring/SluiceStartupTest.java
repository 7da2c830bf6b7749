package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.RateLimiter;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** Startup with good and bad properties, without a server. */
class SluiceStartupTest {

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class));

  private void failsNaming(String property, String value, String message) {
    runner.withPropertyValues(property + "=" + value).run(ctx -> {
      assertThat(ctx).hasFailed();
      Throwable t = ctx.getStartupFailure();
      while (!(t instanceof InvalidSettingException) && t.getCause() != null) {
        t = t.getCause();
      }
      assertThat(t).isInstanceOf(InvalidSettingException.class).hasMessageStartingWith(message);
      assertThat(((InvalidSettingException) t).setting()).isEqualTo(property);
    });
  }

  @Test
  void aBadPropertyFailsStartupNamingIt() {
    failsNaming("sluice.headers", "fancy", "sluice.headers: unknown header style 'fancy'");
    failsNaming("sluice.limits", "lots", "sluice.limits: invalid limit \"lots\"");
    failsNaming("sluice.key", "cookie", "sluice.key: unknown key part 'cookie'");
    failsNaming("sluice.backend", "mysql://db", "sluice.backend: 'mysql://db' is neither");
    failsNaming("sluice.failure-policy", "panic", "sluice.failure-policy: unknown failure policy");
    failsNaming("sluice.trusted-proxies", "10.0.0.0/40", "sluice.trusted-proxies: '10.0.0.0/40'");
    failsNaming("sluice.on-missing-key", "ignore", "sluice.on-missing-key: unknown value");
    failsNaming("sluice.refusal-status", "200",
        "sluice.refusal-status: '200' is not an integer in 400..599");
    failsNaming("sluice.count-statuses", "4xx,oops",
        "sluice.count-statuses: 'oops' is not a status (100-599)");
    failsNaming("sluice.exempt-addresses", "10.0.0.0/8,office",
        "sluice.exempt-addresses: 'office' is not an IP address");
    failsNaming("sluice.exempt-paths", "health", "sluice.exempt-paths: 'health' is not a path"
        + " pattern: it must start with /");
  }

  @Test
  void aBadRefusalStatusIsExplainedNamingTheProperty() {
    runner.withPropertyValues("sluice.refusal-status=302").run(ctx -> {
      Throwable t = ctx.getStartupFailure();
      while (!(t instanceof InvalidSettingException) && t.getCause() != null) {
        t = t.getCause();
      }
      assertThat(new InvalidSettingFailureAnalyzer().analyze(t).getDescription())
          .isEqualTo("Invalid Sluice setting sluice.refusal-status: '302' is not an integer in"
              + " 400..599");
    });
  }

  @Test
  void aFilterWithoutLimitsNeedsNoLimiter() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(SluiceFilter.class)
          .doesNotHaveBean(RateLimiter.class);
    });
  }

  @Test
  void itCanBeSwitchedOff() {
    runner.withPropertyValues("sluice.enabled=false", "sluice.headers=fancy")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(SluiceFilter.class));
  }

  @Test
  void aWrongPropertyIsExplainedByTheFailureAnalyzer() {
    InvalidSettingException e = new InvalidSettingException("sluice.headers", "bad");
    assertThat(new InvalidSettingFailureAnalyzer().analyze(e).getDescription())
        .isEqualTo("Invalid Sluice setting sluice.headers: bad");
  }
}
