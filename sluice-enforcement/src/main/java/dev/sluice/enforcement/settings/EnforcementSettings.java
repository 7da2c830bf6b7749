package dev.sluice.enforcement.settings;

import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.BackendSpec;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.rules.Consistency;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings every front end shares: where counters live and how decisions are enforced. The
 * service ({@code sluice serve}) reads all of them; the servlet filter and the Spring Boot starter
 * read {@link #BACKEND_SETTINGS}. Each front end declares its own settings next to these with the
 * same {@link Setting} framework.
 */
public final class EnforcementSettings {

  private EnforcementSettings() {}

  /** {@code memory}, or a Redis URI as given. */
  public static final Setting<String> BACKEND = Setting.of("backend",
          ValueTypes.of("memory|URI", EnforcementSettings::backend))
      .byDefault("memory").blankIsUnset()
      .help("Where counters live: memory, or a Redis URI such as redis://host:6379 (also"
          + " rediss, redis-sentinel, redis-cluster)");

  /** What a Redis backend answers while Redis is unreachable (a core type: no sluice-redis needed). */
  public static final Setting<FailurePolicy> FAILURE_POLICY = Setting.of("failure-policy",
          ValueTypes.choice("failure policy", FailurePolicy.class))
      .byDefault("fail-open").label("POLICY").blankIsUnset()
      .help("Redis unreachable: what decisions get");

  /**
   * How long a Redis backend waits for one decision before the failure policy answers it. A
   * decision that timed out may still be counted by Redis later, so under a consistent mode a
   * too short timeout costs exactness (fail-open over-admits, fail-closed under-admits).
   */
  public static final Setting<Duration> REDIS_TIMEOUT = Setting.of("redis-timeout",
          ValueTypes.duration(Duration.ofMillis(1), Duration.ofMinutes(1)))
      .byDefault("50ms").blankIsUnset()
      .help("Redis: wait per decision, 1ms to 60s, before the failure policy answers");

  /**
   * How long a Redis backend waits for one decision during its first minute, instead of {@link
   * #REDIS_TIMEOUT} (never less than it; {@code 0}: the timeout from the first decision). A new JVM
   * still compiles its code while serving its first requests; on a busy host those decisions can
   * outlast a timeout that suits it warm, and the failure policy would answer them although
   * Redis is healthy.
   */
  public static final Setting<Duration> REDIS_START_TIMEOUT = Setting.of("redis-start-timeout",
          ValueTypes.duration(Duration.ZERO, Duration.ofMinutes(1)))
      .byDefault("1s").blankIsUnset()
      .help("Redis: wait per decision during the backend's first minute, 0 to 60s (0: the"
          + " redis-timeout from the start)");

  /**
   * The memory backend's bound: the most keys it holds at once. Live keys are never evicted; while
   * it is full, a new key is denied (flagged degraded, reason store full).
   */
  public static final Setting<Long> MAX_KEYS = Setting.of("max-keys",
          ValueTypes.longInteger(1, 1_000_000_000))
      .byDefault("1000000").blankIsUnset()
      .help("Memory backend: the most keys held at once; while full of live keys, new keys are"
          + " denied");

  /**
   * A Redis backend's cache of keys known to be over their limits, in bytes (envoy ratelimit's
   * {@code LOCAL_CACHE_SIZE_IN_BYTES}); 0: off. A denial is kept until the time Redis said a retry
   * could pass, and the same request for the key is denied without asking Redis. Read by the
   * service ({@code BackendSpec#withOverLimitCache}).
   */
  public static final Setting<Long> OVER_LIMIT_CACHE = Setting.of("over-limit-cache",
          ValueTypes.longInteger(0, 1L << 40))
      .byDefault("0").label("BYTES")
      .help("Redis: bytes for keys known to be over their limits, denied here until their retry"
          + " time without asking Redis; 0: off (envoy's LOCAL_CACHE_SIZE_IN_BYTES)");

  /** The enforcement mode of every rule that does not choose its own {@code consistency}. */
  public static final Setting<Consistency> MODE = Setting.of("mode",
          ValueTypes.choice("mode", Consistency.class))
      .byDefault("consistent").label("MODE")
      .help("consistent: every decision by the backend; eventual: local decisions, hits synced"
          + " in batches; a rule may override it");

  /** Eventual mode: how often each instance sends its hits to the shared backend. */
  public static final Setting<Duration> SYNC_INTERVAL = Setting.of("sync-interval",
          ValueTypes.duration(Duration.ofMillis(1), Duration.ofMinutes(1)))
      .byDefault("100ms")
      .help("Eventual mode: how often hits are sent to the backend");

  /** Eventual mode: pending keys that trigger a sync before the interval ends. */
  public static final Setting<Integer> SYNC_BATCH = Setting.of("sync-batch",
          ValueTypes.integer(1, 1_000_000))
      .byDefault("512")
      .help("Eventual mode: pending keys that trigger an early sync");

  /**
   * Eventual mode: whether a key's first decision on an instance asks the shared backend
   * synchronously ({@code sync}, true) instead of assuming a fresh key ({@code local}, false).
   */
  public static final Setting<Boolean> FIRST_SIGHT = Setting.of("first-sight",
          ValueTypes.choice("first sight", firstSight()))
      .byDefault("sync")
      .help("Eventual mode: a key without a fresh view on this instance; sync asks the backend"
          + " once, local assumes the key fresh");

  /**
   * How a request of several descriptors is counted: {@code all-or-nothing} (admitted only if
   * every descriptor has room; a refusal consumes nothing from any of them) or {@code each}
   * (envoy's behaviour: every descriptor counted on its own, a refused request still consuming
   * from the descriptors that had room).
   */
  public static final Setting<Enforcer.Counting> DESCRIPTOR_COUNTING = Setting.of(
          "descriptor-counting", ValueTypes.choice("descriptor counting", counting()))
      .byDefault("all-or-nothing").label("COUNTING")
      .help("Several descriptors in one request: all-or-nothing (admitted only if each has room;"
          + " a refusal consumes from none) or each (envoy: every descriptor counted on its own)");

  /** The settings of a front end's backend: the servlet filter's and the starter's. */
  public static final List<Setting<?>> BACKEND_SETTINGS =
      List.of(BACKEND, FAILURE_POLICY, REDIS_TIMEOUT, REDIS_START_TIMEOUT, MAX_KEYS);

  /** Every shared setting. */
  public static final List<Setting<?>> ALL = List.of(BACKEND, FAILURE_POLICY, REDIS_TIMEOUT,
      REDIS_START_TIMEOUT, MAX_KEYS, OVER_LIMIT_CACHE, MODE, SYNC_INTERVAL, SYNC_BATCH, FIRST_SIGHT,
      DESCRIPTOR_COUNTING);

  /** {@code memory} or the Redis URI, as {@link BackendSpec} accepts them. */
  private static String backend(String text) {
    return BackendSpec.of(text).redis().orElse("memory");
  }

  private static Map<String, Enforcer.Counting> counting() {
    Map<String, Enforcer.Counting> m = new LinkedHashMap<>();
    m.put("all-or-nothing", Enforcer.Counting.ALL_OR_NOTHING);
    m.put("each", Enforcer.Counting.EACH);
    return m;
  }

  private static Map<String, Boolean> firstSight() {
    Map<String, Boolean> m = new LinkedHashMap<>();
    m.put("local", false);
    m.put("sync", true);
    return m;
  }
}
