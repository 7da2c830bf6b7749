package dev.sluice.server;

import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.settings.Dialect;
import dev.sluice.enforcement.settings.EnforcementSettings;
import dev.sluice.enforcement.settings.Setting;
import dev.sluice.enforcement.settings.SettingException;
import dev.sluice.enforcement.settings.SettingList;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.enforcement.settings.Source;
import dev.sluice.enforcement.settings.Sources;
import dev.sluice.enforcement.settings.ValueTypes;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.HttpSettings;
import dev.sluice.rules.Consistency;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Every setting of {@code sluice serve}, validated. Each setting is declared once below (or, when
 * other front ends share it, in {@link EnforcementSettings}) and has one name ({@code http-port})
 * used as the key in {@code sluice.yaml}, as the command line option ({@code --http-port}) and,
 * upper-cased with {@code _} and prefixed by {@code SLUICE_}, as the environment variable ({@code
 * SLUICE_HTTP_PORT}). Precedence: command line, then environment, then file, then default.
 * Immutable.
 *
 * <p>To add a setting, declare it here with {@code DECLARED.add(...)} in its documented place,
 * read it with {@link #get(Setting)} where it is used, and add its row to docs/server.md.
 */
public final class ServerConfig {

  private static final SettingList DECLARED = new SettingList();

  public static final Setting<String> BIND = DECLARED.add(Setting.of("bind",
          ValueTypes.of("ADDR", ServerConfig::address))
      .byDefault("127.0.0.1")
      .help("Listen address; 0.0.0.0 opens every interface"));

  public static final Setting<Integer> HTTP_PORT = DECLARED.add(Setting.of("http-port",
          ValueTypes.integer(0, 65535))
      .byDefault("8080")
      .help("HTTP port; 0 picks a free port"));

  public static final Setting<Integer> GRPC_PORT = DECLARED.add(Setting.of("grpc-port",
          ValueTypes.integer(0, 65535))
      .byDefault("8081")
      .help("gRPC port; 0 picks a free port, the HTTP port's number serves both on one"));

  public static final Setting<Path> RULES = DECLARED.add(Setting.of("rules",
          ValueTypes.path("DIR"))
      .byDefault("config")
      .help("Rules directory (every *.yaml and *.yml, recursively) or one file"));

  public static final Setting<String> BACKEND = DECLARED.add(EnforcementSettings.BACKEND);

  public static final Setting<FailurePolicy> FAILURE_POLICY =
      DECLARED.add(EnforcementSettings.FAILURE_POLICY);

  public static final Setting<Boolean> MERGE_DOMAINS = DECLARED.add(Setting.of("merge-domains",
          ValueTypes.bool())
      .byDefault("false").alsoFromEnvironment("MERGE_DOMAIN_CONFIG")
      .help("Merge files that declare the same domain (env MERGE_DOMAIN_CONFIG too)"));

  public static final Setting<HeaderStyle> HEADERS = DECLARED.add(Setting.of("headers",
          HttpSettings.HEADER_STYLE)
      .byDefault("both")
      .help("Rate limit headers: x-ratelimit, ietf, both or none"));

  public static final Setting<Boolean> GRPC_RESPONSE_HEADERS = DECLARED.add(Setting.of(
          "grpc-response-headers", ValueTypes.bool())
      .byDefault("false")
      .help("Add the headers to gRPC answers"));

  public static final Setting<Integer> MAX_DESCRIPTORS = DECLARED.add(Setting.of(
          "max-descriptors", ValueTypes.integer(1, 1_000_000))
      .byDefault("1000")
      .help("Most descriptors per request"));

  public static final Setting<Integer> MAX_ENTRIES = DECLARED.add(Setting.of("max-entries",
          ValueTypes.integer(1, 1_000_000))
      .byDefault("100")
      .help("Most entries per descriptor"));

  public static final Setting<Integer> MAX_BODY_BYTES = DECLARED.add(Setting.of("max-body-bytes",
          ValueTypes.integer(1024, 64 << 20))
      .byDefault(String.valueOf(1 << 20))
      .help("Largest request body or gRPC message"));

  public static final Setting<Duration> RELOAD_INTERVAL = DECLARED.add(Setting.of(
          "reload-interval", ValueTypes.duration(Duration.ofMillis(50), Duration.ofHours(1)))
      .byDefault("1s")
      .help("How often the rules directory is checked"));

  public static final Setting<Duration> REDIS_TIMEOUT =
      DECLARED.add(EnforcementSettings.REDIS_TIMEOUT);

  public static final Setting<Long> MAX_KEYS = DECLARED.add(EnforcementSettings.MAX_KEYS);

  public static final Setting<Consistency> MODE = DECLARED.add(EnforcementSettings.MODE);

  public static final Setting<Duration> SYNC_INTERVAL =
      DECLARED.add(EnforcementSettings.SYNC_INTERVAL);

  public static final Setting<Integer> SYNC_BATCH = DECLARED.add(EnforcementSettings.SYNC_BATCH);

  public static final Setting<Boolean> FIRST_SIGHT = DECLARED.add(EnforcementSettings.FIRST_SIGHT);

  public static final Setting<Boolean> BENCHMARK_ENDPOINTS = DECLARED.add(Setting.of(
          "benchmark-endpoints", ValueTypes.bool())
      .byDefault("false")
      .help("Serve the no-op baselines POST /noop and gRPC domain __noop__ (for"
          + " docs/server-benchmarks.md only)"));

  /** Every setting, in the order they are documented. */
  public static final List<Setting<?>> DECLARATIONS = DECLARED.settings();

  /** Setting names, in the order they are documented. */
  public static final List<String> SETTINGS = Settings.names(DECLARATIONS);

  private final Settings settings;

  private ServerConfig(Settings settings) {
    this.settings = settings;
  }

  /** The defaults: memory backend, rules from {@code ./config}, 127.0.0.1:8080 and :8081. */
  public static ServerConfig defaults() {
    return resolve(Map.of(), Map.of(), null);
  }

  /**
   * Resolves every setting from {@code cli} (setting name to text, only those given), {@code env}
   * (the process environment) and {@code file} (a sluice.yaml, or null for none).
   *
   * @throws ConfigException naming the setting, its source and what is allowed
   */
  public static ServerConfig resolve(Map<String, String> cli, Map<String, String> env,
      @Nullable Path file) {
    try {
      List<Source> sources = new ArrayList<>();
      Source fromFile = file == null ? null : Sources.yaml(file, DECLARATIONS);
      sources.add(Sources.commandLine(cli, DECLARATIONS));
      sources.add(Sources.environment(env));
      if (fromFile != null) {
        sources.add(fromFile);
      }
      return new ServerConfig(Settings.resolve(DECLARATIONS, Dialect.SERVICE, sources));
    } catch (SettingException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** The environment variable of a setting: {@code http-port} is {@code SLUICE_HTTP_PORT}. */
  public static String envName(String setting) {
    return Setting.envName(setting);
  }

  /** The value of {@code setting}, one of {@link #DECLARATIONS}. */
  public <T> T get(Setting<T> setting) {
    return settings.get(setting);
  }

  /** Every setting's value (for the enforcement layer's backend, see {@code SluiceServer}). */
  Settings settings() {
    return settings;
  }

  private static String address(String s) {
    String t = s.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("expected an IP address or host name");
    }
    try {
      InetAddress.getByName(t);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host");
    }
    return t;
  }

  /** Listen address of both ports. */
  public String bind() {
    return get(BIND);
  }

  /** HTTP port (0: any free port). */
  public int httpPort() {
    return get(HTTP_PORT);
  }

  /** gRPC port (0: any free port); equal to {@link #httpPort()} to serve both on one port. */
  public int grpcPort() {
    return get(GRPC_PORT);
  }

  /** The rules directory (or file). */
  public Path rules() {
    return get(RULES);
  }

  /** {@code memory} or a Redis URI. */
  public String backend() {
    return get(BACKEND);
  }

  /** What a Redis backend answers while Redis is unreachable. */
  public FailurePolicy failurePolicy() {
    return get(FAILURE_POLICY);
  }

  public boolean mergeDomains() {
    return get(MERGE_DOMAINS);
  }

  public HeaderStyle headers() {
    return get(HEADERS);
  }

  /** Whether gRPC answers carry {@code response_headers_to_add} (off by default, as envoy). */
  public boolean grpcResponseHeaders() {
    return get(GRPC_RESPONSE_HEADERS);
  }

  public int maxDescriptors() {
    return get(MAX_DESCRIPTORS);
  }

  public int maxEntries() {
    return get(MAX_ENTRIES);
  }

  public int maxBodyBytes() {
    return get(MAX_BODY_BYTES);
  }

  /** How often the rules directory is checked for changes. */
  public Duration reloadInterval() {
    return get(RELOAD_INTERVAL);
  }

  /** How long a Redis backend waits for one decision (see {@link EnforcementSettings#REDIS_TIMEOUT}). */
  public Duration redisTimeout() {
    return get(REDIS_TIMEOUT);
  }

  /** The default enforcement mode of every rule (a rule may override it). */
  public Consistency mode() {
    return get(MODE);
  }

  /** Eventual mode: how often each instance sends its hits to the shared backend. */
  public Duration syncInterval() {
    return get(SYNC_INTERVAL);
  }

  /** Eventual mode: pending keys that trigger a sync before the interval ends. */
  public int syncBatch() {
    return get(SYNC_BATCH);
  }

  /**
   * Eventual mode: whether a key's first decision on an instance asks the shared backend
   * synchronously ({@code first-sight: sync}) instead of assuming a fresh key ({@code local}).
   */
  public boolean firstSightSync() {
    return get(FIRST_SIGHT);
  }

  /**
   * Whether the no-op baselines of the server benchmark are served: HTTP {@code POST /noop} and
   * gRPC {@code ShouldRateLimit} for the reserved domain {@code __noop__} (see
   * docs/server-benchmarks.md). Off by default.
   */
  public boolean benchmarkEndpoints() {
    return get(BENCHMARK_ENDPOINTS);
  }

  @Override
  public String toString() {
    return "ServerConfig[bind=" + bind() + ", http-port=" + httpPort() + ", grpc-port="
        + grpcPort() + ", rules=" + rules() + ", backend=" + redacted(backend())
        + ", merge-domains=" + mergeDomains() + ", headers=" + headers() + ", mode="
        + mode().text() + "]";
  }

  /** A URI without its password, for logs. */
  static String redacted(String uri) {
    return uri.replaceAll("://[^@/]*@", "://***@");
  }

  /** A bad setting; the message names it, its source and what is allowed. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }
}
