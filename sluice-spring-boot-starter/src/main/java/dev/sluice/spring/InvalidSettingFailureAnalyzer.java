package dev.sluice.spring;

import dev.sluice.servlet.InvalidSettingException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Turns a wrong {@code sluice.*} property, or a wrong {@code @RateLimited} annotation, into a
 * short startup report naming it (the property, or the annotated method); first among the
 * analyzers, so that it also explains a property that failed while Spring bound it.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingException cause) {
    String where = cause.setting().startsWith("@") ? "code" : "configuration";
    return new FailureAnalysis("Invalid Sluice setting " + cause.getMessage(),
        "Fix " + cause.setting() + " in the application's " + where + ".", cause);
  }
}
