package dev.sluice.spring;

import dev.sluice.servlet.InvalidSettingException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Turns a wrong {@code sluice.*} property into a short startup report naming it; first among the
 * analyzers, so that it also explains a property that failed while Spring bound it.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingException cause) {
    return new FailureAnalysis("Invalid Sluice setting " + cause.getMessage(),
        "Fix " + cause.setting() + " in the application's configuration.", cause);
  }
}
