package dev.sluice.spring;

import org.springframework.boot.diagnostics.FailureAnalysis;

/** The starter's startup report of a bad setting, for tests in other packages. */
public final class SettingFailures {
  private SettingFailures() {}

  /** What Spring Boot prints when {@code failure} stops the application; null if not Sluice's. */
  public static FailureAnalysis analyze(Throwable failure) {
    return new InvalidSettingFailureAnalyzer().analyze(failure);
  }
}
