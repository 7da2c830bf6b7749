package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.webfluxapp.WebFluxTestApp;
import dev.sluice.webfluxbadapp.BadAnnotationApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A reactive application with bad Sluice configuration does not start, and says why. */
@Tag("reactive")
class WebFluxStartupTest {

  private static Throwable rootOfKind(Throwable t, Class<? extends Throwable> kind) {
    Throwable c = t;
    while (c != null && !kind.isInstance(c)) {
      c = c.getCause();
    }
    assertThat(c).as("a %s in %s", kind.getSimpleName(), t).isNotNull();
    return c;
  }

  private static InvalidSettingException failure(String... properties) {
    Throwable t = catchThrowable(() -> RunningApp.start(WebFluxTestApp.class, properties).close());
    return (InvalidSettingException) rootOfKind(t, InvalidSettingException.class);
  }

  @Test
  void aBadPropertyFailsStartupNamingIt() {
    InvalidSettingException e = failure("sluice.headers=fancy");
    assertThat(e.setting()).isEqualTo("sluice.headers");
    assertThat(e).hasMessageStartingWith("sluice.headers: unknown header style 'fancy'");

    e = failure("sluice.limits=lots");
    assertThat(e.setting()).isEqualTo("sluice.limits");
  }

  @Test
  void urlPatternsAreTheServletFiltersAndPointAtExemptPaths() {
    InvalidSettingException e = failure("sluice.url-patterns=/api/*");
    assertThat(e.setting()).isEqualTo("sluice.url-patterns");
    assertThat(e).hasMessageContaining("sluice.exempt-paths");
  }

  @Test
  void aBadAnnotationFailsStartupNamingTheMethod() {
    Throwable t = catchThrowable(() -> RunningApp.start(BadAnnotationApp.class).close());
    assertThat(rootOfKind(t, IllegalArgumentException.class)).hasMessageStartingWith(
        "@RateLimited on " + BadAnnotationApp.class.getName() + "$Wrong#wrong: ");
  }

  @Test
  void itCanBeSwitchedOff() throws Exception {
    try (RunningApp app = RunningApp.start(WebFluxTestApp.class, "sluice.enabled=false",
        "sluice.limits=1/minute")) {
      assertThat(app.context.getBeansOfType(SluiceWebFilter.class)).isEmpty();
      assertThat(app.get("/hello").statusCode()).isEqualTo(200);
      assertThat(app.get("/hello").statusCode()).isEqualTo(200);
    }
  }
}
