package dev.sluice.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service's Prometheus metrics: {@code sluice_decisions_total{domain,descriptor,outcome}},
 * {@code sluice_rules_reloads_total{result}}, {@code sluice_backend_degraded_total{reason}} and the
 * {@code sluice_backend_latency_seconds} histogram.
 * Domains that are not loaded are tagged {@code domain="unknown"} so that clients cannot grow the
 * number of series.
 */
final class Metrics {

  /** Outcome tag values of {@code sluice_decisions_total}, one per descriptor. */
  enum Outcome {
    OK, OVER_LIMIT, SHADOW_OVER_LIMIT, UNLIMITED, NO_RULE, NEAR_LIMIT;

    final String tag = name().toLowerCase(java.util.Locale.ROOT);
  }

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Counter reloadsOk;
  private final Counter reloadsFailed;
  private final Timer backendLatency;

  Metrics() {
    reloadsOk = Counter.builder("sluice.rules.reloads").tag("result", "ok")
        .description("Rule loads, by result").register(registry);
    reloadsFailed = Counter.builder("sluice.rules.reloads").tag("result", "failed")
        .description("Rule loads, by result").register(registry);
    backendLatency = Timer.builder("sluice.backend.latency")
        .description("Time for the backend to decide one descriptor")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1000))
        .maximumExpectedValue(Duration.ofSeconds(1))
        .register(registry);
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  void decision(String domain, String descriptor, Outcome outcome) {
    decisions.computeIfAbsent(domain + '\0' + descriptor + '\0' + outcome.tag, k -> Counter
        .builder("sluice.decisions")
        .description("Decisions, one per descriptor, by domain, rule and outcome")
        .tag("domain", domain).tag("descriptor", descriptor).tag("outcome", outcome.tag)
        .register(registry)).increment();
  }

  /** A decision the backend could not make from real state (Redis down, store full). */
  void degraded(String reason) {
    decisions.computeIfAbsent("\0degraded\0" + reason, k -> Counter
        .builder("sluice.backend.degraded")
        .description("Decisions made by a failure policy or a full store, by reason")
        .tag("reason", reason.toLowerCase(java.util.Locale.ROOT))
        .register(registry)).increment();
  }

  void reload(boolean ok) {
    (ok ? reloadsOk : reloadsFailed).increment();
  }

  void backendNanos(long nanos) {
    backendLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  String scrape() {
    return registry.scrape();
  }
}
