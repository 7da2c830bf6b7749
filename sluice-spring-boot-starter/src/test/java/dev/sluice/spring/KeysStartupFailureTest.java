package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.springapps.badcontroller.BadControllerApp;
import dev.sluice.springapps.badservice.BadServiceApp;
import dev.sluice.springapps.keys.KeysApp;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Wrong keys from code stop the application at start, and the failure analyzer names the property
 * or the annotated method.
 */
class KeysStartupFailureTest {

  private static InvalidSettingException failure(Class<?> app, String... properties) {
    Throwable t = catchThrowable(() -> RunningApp.servlet(app, properties).close());
    assertThat(t).as("startup failure").isNotNull();
    while (!(t instanceof InvalidSettingException) && t.getCause() != null) {
      t = t.getCause();
    }
    assertThat(t).isInstanceOf(InvalidSettingException.class);
    return (InvalidSettingException) t;
  }

  @Test
  void aKeyExpressionThatDoesNotParseNamesTheProperty() {
    InvalidSettingException e = failure(KeysApp.class, "sluice.key-expression=header('a'");
    assertThat(e.setting()).isEqualTo("sluice.key-expression");
    assertThat(e).hasMessageStartingWith(
        "sluice.key-expression: 'header('a'' is not a valid SpEL expression: ");
    FailureAnalysis a = new InvalidSettingFailureAnalyzer().analyze(e);
    assertThat(a.getDescription()).startsWith("Invalid Sluice setting sluice.key-expression: ");
    assertThat(a.getAction()).isEqualTo(
        "Fix sluice.key-expression in the application's configuration.");
  }

  @Test
  void keyAndKeyExpressionTogetherAreRefused() {
    assertThat(failure(KeysApp.class, "sluice.key=ip", "sluice.key-expression=path"))
        .hasMessage("sluice.key-expression: set sluice.key or sluice.key-expression, not both");
  }

  @Test
  void aResolverBeanThatIsMissingOrNoResolverNamesTheProperty() {
    assertThat(failure(KeysApp.class, "sluice.key=bean:nope"))
        .hasMessage("sluice.key: 'bean:nope': bean: there is no bean named 'nope'");
    assertThat(failure(KeysApp.class, "sluice.key=bean:users"))
        .hasMessageStartingWith("sluice.key: 'bean:users': bean: bean 'users' is a ")
        .hasMessageEndingWith(", not a dev.sluice.spring.RequestKeyResolver");
    assertThat(failure(KeysApp.class, "sluice.key=jwt:"))
        .hasMessage("sluice.key: 'jwt:': jwt: needs a claim name, e.g. jwt:sub");
  }

  @Test
  void aControllersBadKeyExpressionNamesTheMethod() {
    String method = "@RateLimited on " + BadControllerApp.Api.class.getName() + "#get";
    InvalidSettingException e = failure(BadControllerApp.class);
    assertThat(e.setting()).isEqualTo(method);
    assertThat(e).hasMessageStartingWith(method + ": keyExpression: 'header('X-Tenant'' is not"
        + " a valid SpEL expression");
  }

  @Test
  void aServicesBadKeyExpressionNamesTheMethod() {
    String method = "@RateLimited on " + BadServiceApp.Quotes.class.getName() + "#quote";
    InvalidSettingException e = failure(BadServiceApp.class);
    assertThat(e.setting()).isEqualTo(method);
    assertThat(e).hasMessageStartingWith(method + ": keyExpression: '#p0 +' is not a valid SpEL");
  }
}
