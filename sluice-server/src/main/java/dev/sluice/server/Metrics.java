package dev.sluice.server;

import dev.sluice.Decision;
import dev.sluice.enforcement.Observer;
import dev.sluice.enforcement.Outcome;
import dev.sluice.enforcement.Status;
import dev.sluice.eventual.EventualBackend;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.micrometer.MemoryBackendMetrics;
import dev.sluice.redis.RedisBackend;
import dev.sluice.rules.RuleMatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's Prometheus metrics: {@code sluice_decisions_total{domain,descriptor,outcome}},
 * {@code sluice_rules_reloads_total{result}}, {@code sluice_backend_degraded_total{reason}} and the
 * {@code sluice_backend_latency_seconds} histogram, and in eventual mode the {@code
 * sluice_eventual_*} counters (see {@link #eventual(Supplier)}); for the running service also the
 * JVM and process meters ({@link #bindProcess()}) and, on the memory backend, the store's keys
 * and capacity ({@link #bindStore(MemoryBackend)}).
 * Domains that are not loaded are tagged {@code domain="unknown"} so that clients cannot grow the
 * number of series. Hears the enforcement layer as its {@link Observer}.
 */
final class Metrics implements Observer {

  private static final Logger log = LoggerFactory.getLogger(Metrics.class);
  /** At most one log line about degraded answers per this. */
  static final Duration DEGRADED_LOG_EVERY = Duration.ofSeconds(10);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Counter reloadsOk;
  private final Counter reloadsFailed;
  private final Timer backendLatency;
  private final List<Object> retained = new CopyOnWriteArrayList<>();
  private final Map<String, LongAdder> unlogged = new ConcurrentHashMap<>();
  private final AtomicLong nextDegradedLog = new AtomicLong(System.nanoTime());
  private final double nearLimitRatio;

  /** Metrics with envoy's default near-limit ratio, 0.8. */
  Metrics() {
    this(0.8);
  }

  /**
   * @param nearLimitRatio the share of a limit past which an admitted decision is counted as
   *     {@code near_limit} (setting {@code near-limit-ratio})
   */
  Metrics(double nearLimitRatio) {
    this.nearLimitRatio = nearLimitRatio;
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

  /**
   * Counts one descriptor's decision under its match's envoy metric key: bounded by the rules,
   * except where a rule opts into {@code detailed_metric} (request values in the key, as envoy
   * does).
   */
  @Override
  public void decided(String domain, Status status) {
    RuleMatch m = status.match();
    decision(domain, m == null ? "" : m.metricKey(), status.outcome(nearLimitRatio));
  }

  /**
   * Counts a request refused by its limits and admitted by global shadow mode: {@code
   * sluice_global_shadow_mode_total{domain}} (envoy's {@code global_shadow_mode} stat).
   */
  @Override
  public void shadowed(String domain, dev.sluice.enforcement.Verdict refused) {
    decisions.computeIfAbsent("\0shadow\0" + domain, k -> Counter
        .builder("sluice.global.shadow.mode")
        .description("Requests refused by their limits and admitted by global shadow mode")
        .tag("domain", domain)
        .register(registry)).increment();
  }

  /** Times the backend's answer, and counts it when degraded. */
  @Override
  public void limiterCalled(RuleMatch match, Decision decision, long nanos) {
    backendNanos(nanos);
    if (decision.degraded()) {
      degraded(decision.reason(), match.metricKey());
    }
  }

  void decision(String domain, String descriptor, Outcome outcome) {
    decisions.computeIfAbsent(domain + '\0' + descriptor + '\0' + outcome.tag(), k -> Counter
        .builder("sluice.decisions")
        .description("Decisions, one per descriptor, by domain, rule and outcome")
        .tag("domain", domain).tag("descriptor", descriptor).tag("outcome", outcome.tag())
        .register(registry)).increment();
  }

  /**
   * A decision the backend could not make from real state (Redis down or too slow, store full):
   * the one place where degraded answers are counted ({@code sluice_backend_degraded_total{reason}})
   * and logged. The first one logs a line at once; later ones at most one line per {@link
   * #DEGRADED_LOG_EVERY}, with the count per reason since the previous line (the counter has them
   * all).
   *
   * @param reason the decision's {@link dev.sluice.Decision.Reason}
   * @param descriptor the envoy metric key of the rule it was for
   */
  void degraded(Decision.Reason reason, String descriptor) {
    String tag = reason.name().toLowerCase(Locale.ROOT);
    decisions.computeIfAbsent("\0degraded\0" + tag, k -> Counter
        .builder("sluice.backend.degraded")
        .description("Decisions made by a failure policy or a full store, by reason")
        .tag("reason", tag)
        .register(registry)).increment();
    unlogged.computeIfAbsent(tag, k -> new LongAdder()).increment();
    long now = System.nanoTime();
    long next = nextDegradedLog.get();
    if (now - next >= 0 && nextDegradedLog.compareAndSet(next,
        now + DEGRADED_LOG_EVERY.toNanos())) {
      StringBuilder counts = new StringBuilder();
      unlogged.forEach((r, n) -> {
        long c = n.sumThenReset();
        if (c > 0) {
          counts.append(counts.length() == 0 ? "" : ", ").append(r).append(' ').append(c);
        }
      });
      log.warn("degraded answers (not decided from the backend's state; the failure policy or a"
          + " full store answered): {} since the last such line; latest: reason {} ({}), rule {}",
          counts, tag, explain(reason), descriptor.isEmpty() ? "-" : descriptor);
    }
  }

  private static String explain(Decision.Reason reason) {
    return switch (reason) {
      case BACKEND_UNAVAILABLE -> "Redis did not answer within redis-timeout, failed, or its"
          + " circuit breaker is open";
      case STORE_FULL -> "the in-memory store is full of live keys";
      default -> reason.name().toLowerCase(Locale.ROOT);
    };
  }

  /**
   * The counters of the eventual mode: {@code sluice_eventual_syncs_total}, {@code
   * sluice_eventual_keys_sent_total}, {@code sluice_eventual_hits_sent_total}, {@code
   * sluice_eventual_hits_refused_total} (hits admitted here that the shared store could no longer
   * count: this instance's share of the fleet's overshoot), {@code
   * sluice_eventual_hits_dropped_total}, {@code sluice_eventual_store_failures_total}, {@code
   * sluice_eventual_decisions_total{where="local"|"store"}}, {@code
   * sluice_eventual_evictions_total} and the gauge {@code sluice_eventual_keys}.
   */
  /**
   * The top-clients view's bounded meters: the tables it tracks, those it could not, and the
   * most refused single client's requests over the last minute (one series each).
   */
  void bindTopClients(dev.sluice.enforcement.TopClients top) {
    Gauge.builder("sluice.top.clients.tables", top, t -> t.tables().size())
        .description("Rules with traffic in the last ten minutes tracked by the top-clients view")
        .register(registry);
    FunctionCounter.builder("sluice.top.clients.dropped.tables", top,
            dev.sluice.enforcement.TopClients::droppedTables)
        .description("Rules not tracked by the top-clients view because top-clients-tables were")
        .register(registry);
    Gauge.builder("sluice.top.refused.client.requests", top, t -> {
      long most = 0;
      for (var table : t.tables()) {
        var r = t.top(table, dev.sluice.enforcement.TopClients.Kind.REFUSED,
            java.time.Duration.ofMinutes(1), 1);
        if (!r.rows().isEmpty()) {
          most = Math.max(most, r.rows().get(0).count());
        }
      }
      return most;
    }).description("Refused requests of the most refused client of any rule over the last"
        + " minute (an upper bound, see /v1/top)").register(registry);
  }

  void eventual(Supplier<EventualBackend.Counters> counters) {
    retained.add(counters); // meters hold their state object weakly
    counter("sluice.eventual.syncs", "Sync rounds sent to the shared store", counters,
        EventualBackend.Counters::syncs);
    counter("sluice.eventual.keys.sent", "Keys reported in sync rounds", counters,
        EventualBackend.Counters::keysSent);
    counter("sluice.eventual.hits.sent", "Hits admitted here and reported to the shared store",
        counters, EventualBackend.Counters::hitsSent);
    counter("sluice.eventual.hits.refused", "Reported hits the shared store could no longer count"
        + " (overshoot)", counters, EventualBackend.Counters::hitsRefused);
    counter("sluice.eventual.hits.dropped", "Pending hits dropped during a long outage", counters,
        EventualBackend.Counters::hitsDropped);
    counter("sluice.eventual.store.failures", "Sync calls that failed or were degraded",
        counters, EventualBackend.Counters::storeFailures);
    FunctionCounter.builder("sluice.eventual.decisions", counters,
            c -> c.get().localDecisions())
        .description("Eventual-mode decisions, by where they were made")
        .tag("where", "local").register(registry);
    FunctionCounter.builder("sluice.eventual.decisions", counters,
            c -> c.get().storeDecisions())
        .description("Eventual-mode decisions, by where they were made")
        .tag("where", "store").register(registry);
    counter("sluice.eventual.evictions", "Idle keys dropped from the local map", counters,
        EventualBackend.Counters::evictions);
    Gauge.builder("sluice.eventual.keys", counters, c -> c.get().keys())
        .description("Keys tracked locally").register(registry);
  }

  private void counter(String name, String description,
      Supplier<EventualBackend.Counters> counters, ToLongFunction<EventualBackend.Counters> f) {
    FunctionCounter.builder(name, counters, c -> f.applyAsLong(c.get()))
        .description(description).register(registry);
  }

  /**
   * Micrometer's JVM and process meters: memory pools and buffers ({@code jvm_memory_*}, {@code
   * jvm_buffer_*}), garbage collections ({@code jvm_gc_*}), threads ({@code jvm_threads_*}),
   * classes ({@code jvm_classes_*}), CPU ({@code system_cpu_*}, {@code process_cpu_*}), uptime
   * ({@code process_uptime_seconds}, {@code process_start_time_seconds}) and file descriptors
   * ({@code process_files_*}). Close the result to stop listening for collections.
   */
  AutoCloseable bindProcess() {
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return gc;
  }

  /**
   * {@code sluice_xds_connected}: 1 while the stream to the xDS management server is up (it has
   * answered since it was opened), else 0.
   */
  void bindXds(BooleanSupplier connected) {
    // held strongly: a gauge's state object is otherwise weakly referenced, and this one is a
    // method reference held by nothing else
    Gauge.builder("sluice.xds.connected", connected, c -> c.getAsBoolean() ? 1 : 0)
        .strongReference(true)
        .description("Whether the stream to the xDS management server is up").register(registry);
  }

  /**
   * The in-memory store's gauges and counters: {@code sluice_store_keys} (keys held), {@code
   * sluice_store_capacity} (the most it holds), {@code sluice_store_full_refusals_total} and
   * {@code sluice_store_expirations_total}, tagged {@code store="memory"}.
   */
  void bindStore(MemoryBackend store) {
    retained.add(store); // gauges hold their state object weakly
    new MemoryBackendMetrics(store).bindTo(registry);
  }

  /**
   * {@code sluice_over_limit_cache_hits_total}: acquires the Redis backend's over-limit cache
   * denied without asking Redis (envoy's {@code over_limit_with_local_cache} stat).
   */
  void bindOverLimitCache(RedisBackend redis) {
    FunctionCounter.builder("sluice.over.limit.cache.hits", redis,
            RedisBackend::overLimitCacheHits)
        .description("Requests denied from the over-limit cache, without asking Redis")
        .register(registry);
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
