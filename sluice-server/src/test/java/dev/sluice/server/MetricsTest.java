package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Given degraded answers: each is counted under its reason, and named in a log line, the first at
 * once and the rest summed up in at most one line per 10 s.
 */
class MetricsTest {

  @Test
  void everyDegradedAnswerIsCountedByReasonAndLoggedThrottled() {
    Metrics metrics = new Metrics();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      metrics.degraded(Decision.Reason.BACKEND_UNAVAILABLE, "api.user");
      metrics.degraded(Decision.Reason.BACKEND_UNAVAILABLE, "api.user");
      metrics.degraded(Decision.Reason.STORE_FULL, "api.plan_free");
    } finally {
      System.setErr(err);
    }
    assertThat(metrics.scrape())
        .contains("sluice_backend_degraded_total{reason=\"backend_unavailable\"} 2.0")
        .contains("sluice_backend_degraded_total{reason=\"store_full\"} 1.0");
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log.lines().filter(l -> l.contains("degraded answers"))).hasSize(1);
    assertThat(log).contains("backend_unavailable 1 since the last such line")
        .contains("latest: reason backend_unavailable (Redis did not answer within"
            + " redis-timeout, failed, or its circuit breaker is open), rule api.user");
  }
}
