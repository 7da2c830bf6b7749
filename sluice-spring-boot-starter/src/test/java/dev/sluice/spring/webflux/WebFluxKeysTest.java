package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.webfluxsecureapp.SecuredWebFluxApp;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys from code in a real WebFlux application behind Spring Security: the principal Spring
 * Security authenticated (the WebFilter runs after its chain), a SpEL key expression, and {@code
 * SluiceExemption} beans, each counted exactly. BlockHound watches every request.
 */
@Tag("reactive")
@ExtendWith(NoBlockingCalls.class)
class WebFluxKeysTest {

  private static String basic(String user) {
    return "Basic " + Base64.getEncoder()
        .encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8));
  }

  private static int allowed(RunningApp app, int requests, String path, String... headers)
      throws Exception {
    int allowed = 0;
    for (int i = 0; i < requests; i++) {
      int status = app.get(path, headers).statusCode();
      assertThat(status).as("status of " + path).isIn(200, 429);
      if (status == 200) {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  void eachAuthenticatedPrincipalHasItsOwnBudget() throws Exception {
    try (RunningApp app = RunningApp.startSecured(SecuredWebFluxApp.class,
        "sluice.limits=2/minute", "sluice.key=principal", "sluice.on-missing-key=reject")) {
      // one client address for all: only the principal tells them apart
      assertThat(allowed(app, 5, "/hello", "Authorization", basic("ann"))).isEqualTo(2);
      assertThat(allowed(app, 5, "/hello", "Authorization", basic("bob"))).isEqualTo(2);
      // anonymous on the open path: no principal, and on-missing-key=reject answers 401
      assertThat(app.get("/open").statusCode()).isEqualTo(401);
      // the probe is exempt: never counted, never refused, no headers
      for (int i = 0; i < 5; i++) {
        var probe = app.get("/hello", "Authorization", basic("ann"), "X-Probe", "health");
        assertThat(probe.statusCode()).isEqualTo(200);
        assertThat(probe.headers().firstValue("X-RateLimit-Limit")).isEmpty();
      }
    }
  }

  @Test
  void aKeyExpressionCountsByWhatItSays() throws Exception {
    try (RunningApp app = RunningApp.startSecured(SecuredWebFluxApp.class,
        "sluice.limits=3/minute",
        "sluice.key-expression=header('X-Tenant').orElse(null)")) {
      assertThat(allowed(app, 6, "/open", "X-Tenant", "acme")).isEqualTo(3);
      assertThat(allowed(app, 6, "/open", "X-Tenant", "globex")).isEqualTo(3);
      // no tenant: a missing key, which on-missing-key=ip counts by the client address
      assertThat(allowed(app, 6, "/open")).isEqualTo(3);
    }
  }
}
