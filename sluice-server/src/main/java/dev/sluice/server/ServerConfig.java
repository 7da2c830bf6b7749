package dev.sluice.server;

import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.settings.Dialect;
import dev.sluice.enforcement.settings.EnforcementSettings;
import dev.sluice.enforcement.settings.Setting;
import dev.sluice.enforcement.settings.SettingException;
import dev.sluice.enforcement.settings.SettingList;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.enforcement.settings.Source;
import dev.sluice.enforcement.settings.Sources;
import dev.sluice.enforcement.settings.ValueTypes;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.HttpSettings;
import dev.sluice.http.TrustedProxies;
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

  public static final Setting<Boolean> ENVOY_ENV = DECLARED.add(Setting.of("envoy-env",
          ValueTypes.bool())
      .byDefault("false")
      .help("Read envoy ratelimit's environment variables (PORT, REDIS_URL, RUNTIME_ROOT, ...)"
          + " with envoy's defaults, as its container would (docs/envoy.md)"));

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

  // The xDS config source. Each also reads envoy ratelimit's environment variable of the same
  // meaning (CONFIG_TYPE, CONFIG_GRPC_XDS_*, XDS_CLIENT_BACKOFF_*): those names are given here
  // and nowhere else.
  public static final Setting<ConfigSource> CONFIG_SOURCE = DECLARED.add(Setting.of(
          "config-source", ValueTypes.choice("config source",
              List.of("file", "grpc-xds-sotw", "xds"),
              n -> n.equals("file") ? ConfigSource.FILE : ConfigSource.XDS))
      .byDefault("file").alsoFromEnvironment("CONFIG_TYPE")
      .help("Where rules come from: file (the rules setting) or xds (an xDS management server,"
          + " xds-server; envoy's CONFIG_TYPE=GRPC_XDS_SOTW)"));

  public static final Setting<String> XDS_SERVER = DECLARED.add(Setting.of("xds-server",
          ValueTypes.of("HOST:PORT", ServerConfig::hostPort))
      .byDefault("localhost:18000").alsoFromEnvironment("CONFIG_GRPC_XDS_SERVER_URL")
      .help("config-source xds: the management server (gRPC, plaintext unless xds-tls)"));

  public static final Setting<String> XDS_NODE_ID = DECLARED.add(Setting.of("xds-node-id",
          ValueTypes.text("ID"))
      .byDefault("default").alsoFromEnvironment("CONFIG_GRPC_XDS_NODE_ID")
      .help("config-source xds: the node id sent to the management server"));

  public static final Setting<List<String>> XDS_NODE_METADATA = DECLARED.add(Setting.of(
          "xds-node-metadata", ValueTypes.list("KEY=VALUE", ServerConfig::keyValue))
      .alsoFromEnvironment("CONFIG_GRPC_XDS_NODE_METADATA")
      .help("config-source xds: the node's metadata, key=value pairs (comma-separated)"));

  public static final Setting<Duration> XDS_BACKOFF_INITIAL = DECLARED.add(Setting.of(
          "xds-backoff-initial", ValueTypes.duration(Duration.ofMillis(10), Duration.ofHours(1)))
      .byDefault("1s").alsoFromEnvironment("XDS_CLIENT_BACKOFF_INITIAL_INTERVAL")
      .help("config-source xds: the first wait before reconnecting to the management server"));

  public static final Setting<Duration> XDS_BACKOFF_MAX = DECLARED.add(Setting.of(
          "xds-backoff-max", ValueTypes.duration(Duration.ofMillis(10), Duration.ofHours(1)))
      .byDefault("60s").alsoFromEnvironment("XDS_CLIENT_BACKOFF_MAX_INTERVAL")
      .help("config-source xds: the longest wait between reconnections (doubling, with"
          + " jitter)"));

  public static final Setting<Boolean> XDS_TLS = DECLARED.add(Setting.of("xds-tls",
          ValueTypes.bool())
      .byDefault("false").alsoFromEnvironment("CONFIG_GRPC_XDS_SERVER_USE_TLS")
      .help("config-source xds: connect to the management server over TLS"));

  public static final Setting<Path> XDS_TLS_CA = DECLARED.add(Setting.of("xds-tls-ca",
          ValueTypes.path("FILE"))
      .alsoFromEnvironment("CONFIG_GRPC_XDS_SERVER_TLS_CACERT")
      .help("xds-tls: PEM CA certificates to trust for the management server instead of the"
          + " JVM's"));

  public static final Setting<Path> XDS_TLS_CERT = DECLARED.add(Setting.of("xds-tls-cert",
          ValueTypes.path("FILE"))
      .alsoFromEnvironment("CONFIG_GRPC_XDS_CLIENT_TLS_CERT")
      .help("xds-tls: PEM client certificate chain presented to the management server"));

  public static final Setting<Path> XDS_TLS_KEY = DECLARED.add(Setting.of("xds-tls-key",
          ValueTypes.path("FILE"))
      .alsoFromEnvironment("CONFIG_GRPC_XDS_CLIENT_TLS_KEY")
      .help("xds-tls: PEM private key (unencrypted PKCS#8) of xds-tls-cert"));

  public static final Setting<String> BACKEND = DECLARED.add(EnforcementSettings.BACKEND);

  public static final Setting<FailurePolicy> FAILURE_POLICY =
      DECLARED.add(EnforcementSettings.FAILURE_POLICY);

  public static final Setting<Boolean> MERGE_DOMAINS = DECLARED.add(Setting.of("merge-domains",
          ValueTypes.bool())
      .byDefault("false").alsoFromEnvironment("MERGE_DOMAIN_CONFIG")
      .help("Merge files that declare the same domain (env MERGE_DOMAIN_CONFIG too)"));

  public static final Setting<HeaderStyle> HEADERS = DECLARED.add(
      HttpSettings.headers(HeaderStyle.BOTH));

  public static final Setting<String> HEADER_LIMIT = DECLARED.add(HttpSettings.headerLimit());

  public static final Setting<String> HEADER_REMAINING =
      DECLARED.add(HttpSettings.headerRemaining());

  public static final Setting<String> HEADER_RESET = DECLARED.add(HttpSettings.headerReset());

  public static final Setting<Boolean> GRPC_RESPONSE_HEADERS = DECLARED.add(Setting.of(
          "grpc-response-headers", ValueTypes.bool())
      .byDefault("false")
      .help("Add the headers to gRPC answers"));

  public static final Setting<Boolean> SHADOW_MODE = DECLARED.add(Setting.of("shadow-mode",
          ValueTypes.bool())
      .byDefault("false")
      .help("Global shadow mode: every decision is made and counted, every answer admits"
          + " (envoy's SHADOW_MODE)"));

  public static final Setting<Boolean> QUOTA_MODE = DECLARED.add(Setting.of("quota-mode",
          ValueTypes.bool())
      .byDefault("false")
      .help("Global quota mode: every descriptor is a quota, a request is refused only when all"
          + " its descriptors are over their limits (envoy's QUOTA_MODE)"));

  public static final Setting<Double> NEAR_LIMIT_RATIO = DECLARED.add(Setting.of(
          "near-limit-ratio", ValueTypes.of("RATIO", ServerConfig::ratio))
      .byDefault("0.8")
      .help("An admitted decision counts as near_limit in metrics when its limit's use is over"
          + " this share of the limit (envoy's NEAR_LIMIT_RATIO)"));

  /** Addresses and CIDR ranges of the gateways whose {@code X-Forwarded-For} is believed. */
  public static final Setting<List<String>> TRUSTED_PROXIES = DECLARED.add(
      HttpSettings.trustedProxies("Gateways (addresses or CIDR ranges, comma-separated) whose"
          + " X-Forwarded-For /v1/authorize believes"));

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

  public static final Setting<Duration> REDIS_START_TIMEOUT =
      DECLARED.add(EnforcementSettings.REDIS_START_TIMEOUT);

  public static final Setting<Long> MAX_KEYS = DECLARED.add(EnforcementSettings.MAX_KEYS);

  public static final Setting<Long> OVER_LIMIT_CACHE =
      DECLARED.add(EnforcementSettings.OVER_LIMIT_CACHE);

  public static final Setting<Consistency> MODE = DECLARED.add(EnforcementSettings.MODE);

  public static final Setting<Duration> SYNC_INTERVAL =
      DECLARED.add(EnforcementSettings.SYNC_INTERVAL);

  public static final Setting<Integer> SYNC_BATCH = DECLARED.add(EnforcementSettings.SYNC_BATCH);

  public static final Setting<Boolean> FIRST_SIGHT = DECLARED.add(EnforcementSettings.FIRST_SIGHT);

  public static final Setting<Enforcer.Counting> DESCRIPTOR_COUNTING =
      DECLARED.add(EnforcementSettings.DESCRIPTOR_COUNTING);

  public static final Setting<String> ADMIN_BIND = DECLARED.add(Setting.of("admin-bind",
          ValueTypes.of("ADDR", ServerConfig::address))
      .byDefault("127.0.0.1")
      .help("Listen address of the admin port (admin API, /metrics)"));

  public static final Setting<Integer> ADMIN_PORT = DECLARED.add(Setting.of("admin-port",
          ValueTypes.integer(0, 65535))
      .byDefault("8082")
      .help("Admin port: the rules admin API, /metrics, /healthz and /readyz; never a decision"
          + " port; 0 picks a free port"));

  public static final Setting<Path> ADMIN_TOKEN_FILE = DECLARED.add(Setting.of(
          "admin-token-file", ValueTypes.path("FILE"))
      .help("File holding the bearer token that admin writes need (or the token itself in the"
          + " environment variable SLUICE_ADMIN_TOKEN); without one, writes are refused"));

  public static final Setting<Path> TLS_CERT = DECLARED.add(Setting.of("tls-cert",
          ValueTypes.path("FILE"))
      .help("PEM certificate chain: the HTTP, gRPC and admin ports serve TLS with it"));

  public static final Setting<Path> TLS_KEY = DECLARED.add(Setting.of("tls-key",
          ValueTypes.path("FILE"))
      .help("PEM private key (unencrypted PKCS#8) of tls-cert"));

  public static final Setting<Path> TLS_CLIENT_CA = DECLARED.add(Setting.of("tls-client-ca",
          ValueTypes.path("FILE"))
      .help("PEM CA certificates that client certificates must chain to (mTLS)"));

  public static final Setting<ClientAuth> TLS_CLIENT_AUTH = DECLARED.add(Setting.of(
          "tls-client-auth", ValueTypes.choice("client certificate policy", ClientAuth.class))
      .byDefault("none")
      .help("Whether TLS clients must present a certificate signed by tls-client-ca"));

  public static final Setting<Path> REDIS_TLS_CERT = DECLARED.add(Setting.of("redis-tls-cert",
          ValueTypes.path("FILE"))
      .help("rediss://: PEM client certificate chain presented to Redis"));

  public static final Setting<Path> REDIS_TLS_KEY = DECLARED.add(Setting.of("redis-tls-key",
          ValueTypes.path("FILE"))
      .help("rediss://: PEM private key (unencrypted PKCS#8) of redis-tls-cert"));

  public static final Setting<Path> REDIS_TLS_CA = DECLARED.add(Setting.of("redis-tls-ca",
          ValueTypes.path("FILE"))
      .help("rediss://: PEM CA certificates to trust instead of the JVM's"));

  public static final Setting<LogFormat> LOG_FORMAT = DECLARED.add(Setting.of("log-format",
          ValueTypes.choice("log format", LogFormat.class))
      .byDefault("text")
      .help("Log lines on stderr: text, or one JSON object per line"));

  public static final Setting<LogLevel> LOG_LEVEL = DECLARED.add(Setting.of("log-level",
          ValueTypes.choice("log level", LogLevel.class))
      .byDefault("info")
      .help("The least severe log lines written"));

  public static final Setting<Duration> DRAIN_PERIOD = DECLARED.add(Setting.of("drain-period",
          ValueTypes.duration(Duration.ZERO, Duration.ofMinutes(10)))
      .byDefault("5s")
      .help("On SIGTERM: how long the service reports itself unhealthy while still answering"
          + " decisions, before it stops"));

  public static final Setting<Integer> TOP_CLIENTS = DECLARED.add(Setting.of("top-clients",
          ValueTypes.integer(0, 1000))
      .byDefault("20")
      .help("Clients the top-clients view (/v1/top, the dashboard) can list per rule; 0 turns"
          + " it off"));

  public static final Setting<Integer> TOP_CLIENTS_TABLES = DECLARED.add(Setting.of(
          "top-clients-tables", ValueTypes.integer(1, 100_000))
      .byDefault("500")
      .help("Rules (times refused/active) the top-clients view tracks at most; the memory"
          + " bound is tables x 10 minutes x top-clients counters"));

  public static final Setting<Boolean> TRACING = DECLARED.add(Setting.of("tracing",
          ValueTypes.bool())
      .byDefault("false")
      .help("OpenTelemetry spans for decisions, exported over OTLP/HTTP to"
          + " OTEL_EXPORTER_OTLP_ENDPOINT (envoy's TRACING_ENABLED)"));

  public static final Setting<String> TRACING_SERVICE_NAME = DECLARED.add(Setting.of(
          "tracing-service-name", ValueTypes.of("NAME", ServerConfig::serviceName))
      .byDefault("sluice")
      .help("tracing: the service.name of the spans (envoy's TRACING_SERVICE_NAME)"));

  public static final Setting<Double> TRACING_SAMPLING_RATE = DECLARED.add(Setting.of(
          "tracing-sampling-rate", ValueTypes.of("RATIO", ServerConfig::ratio))
      .byDefault("1")
      .help("tracing: the share of requests without a sampled parent that are traced; a"
          + " request's own sampled flag is followed (envoy's TRACING_SAMPLING_RATE)"));

  /**
   * The environment variable that may hold the admin API's bearer token itself ({@link
   * #ADMIN_TOKEN_FILE} names a file holding it instead). Environment only, not a setting: a
   * token on the command line or in {@code sluice.yaml} would be readable by anyone who can list
   * processes or read the file.
   */
  public static final String ADMIN_TOKEN_ENV = "SLUICE_ADMIN_TOKEN";

  /** Where the rules come from. */
  public enum ConfigSource {
    /** The rules directory or file ({@code rules}), polled. */
    FILE,
    /** An xDS management server ({@code xds-server}), as envoy ratelimit's GRPC_XDS_SOTW. */
    XDS
  }

  /** Whether the TLS ports ask for client certificates (mTLS). */
  public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE,
    /** A client certificate is asked for and verified when given; clients without one pass. */
    OPTIONAL,
    /** Every client must present a certificate signed by {@code tls-client-ca}. */
    REQUIRE
  }

  /** The least severe log lines written. */
  public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR
  }

  /** How log lines are written on stderr. */
  public enum LogFormat {
    /** One line of text per event. */
    TEXT,
    /** One JSON object per line (logback's {@code JsonEncoder}). */
    JSON
  }

  /** Every setting, in the order they are documented. */
  public static final List<Setting<?>> DECLARATIONS = DECLARED.settings();

  /** Setting names, in the order they are documented. */
  public static final List<String> SETTINGS = Settings.names(DECLARATIONS);

  private final Settings settings;
  private final @Nullable String adminToken;
  private final List<String> envoyNoEffect;

  private ServerConfig(Settings settings, @Nullable String adminToken,
      List<String> envoyNoEffect) {
    this.settings = settings;
    this.adminToken = adminToken;
    this.envoyNoEffect = List.copyOf(envoyNoEffect);
    check(settings, adminToken);
  }

  /** The checks across settings; each error names the setting that was given. */
  private static void check(Settings s, @Nullable String adminToken) {
    int admin = s.get(ADMIN_PORT);
    if (admin != 0 && (admin == s.get(HTTP_PORT) || admin == s.get(GRPC_PORT))) {
      throw s.error(ADMIN_PORT, "the admin port must differ from http-port and grpc-port (the"
          + " admin API and /metrics are never served on a decision port)");
    }
    if (adminToken != null && s.isSet(ADMIN_TOKEN_FILE)) {
      throw s.error(ADMIN_TOKEN_FILE, "give the admin token either in a file or in the"
          + " environment variable " + ADMIN_TOKEN_ENV + ", not both");
    }
    boolean cert = s.isSet(TLS_CERT);
    if (cert != s.isSet(TLS_KEY)) {
      throw s.error(cert ? TLS_CERT : TLS_KEY, "tls-cert and tls-key go together: give both"
          + " (PEM files) or neither");
    }
    boolean ca = s.isSet(TLS_CLIENT_CA);
    if (s.get(TLS_CLIENT_AUTH) != ClientAuth.NONE && !ca) {
      throw s.error(TLS_CLIENT_AUTH, "client certificates need tls-client-ca (a PEM file of the"
          + " CA certificates that sign them)");
    }
    if (ca && s.get(TLS_CLIENT_AUTH) == ClientAuth.NONE) {
      throw s.error(TLS_CLIENT_CA, "set tls-client-auth to require or optional to ask clients"
          + " for certificates");
    }
    if (ca && !cert) {
      throw s.error(TLS_CLIENT_CA, "client certificates need TLS: set tls-cert and tls-key"
          + " too");
    }
    try {
      headerNames(s);
    } catch (IllegalArgumentException e) {
      Setting<String> given = s.isSet(HEADER_RESET) ? HEADER_RESET
          : s.isSet(HEADER_REMAINING) ? HEADER_REMAINING : HEADER_LIMIT;
      throw s.error(given, e.getMessage());
    }
    boolean xdsCert = s.isSet(XDS_TLS_CERT);
    if (xdsCert != s.isSet(XDS_TLS_KEY)) {
      throw s.error(xdsCert ? XDS_TLS_CERT : XDS_TLS_KEY, "xds-tls-cert and xds-tls-key go"
          + " together: give both (PEM files) or neither");
    }
    if ((xdsCert || s.isSet(XDS_TLS_CA)) && !s.get(XDS_TLS)) {
      throw s.error(xdsCert ? XDS_TLS_CERT : XDS_TLS_CA, "xDS TLS files need xds-tls: true");
    }
    if (s.get(XDS_BACKOFF_MAX).compareTo(s.get(XDS_BACKOFF_INITIAL)) < 0) {
      throw s.error(s.isSet(XDS_BACKOFF_MAX) ? XDS_BACKOFF_MAX : XDS_BACKOFF_INITIAL,
          "xds-backoff-max must not be shorter than xds-backoff-initial");
    }
    boolean redisCert = s.isSet(REDIS_TLS_CERT);
    if (redisCert != s.isSet(REDIS_TLS_KEY)) {
      throw s.error(redisCert ? REDIS_TLS_CERT : REDIS_TLS_KEY, "redis-tls-cert and"
          + " redis-tls-key go together: give both (PEM files) or neither");
    }
    if ((redisCert || s.isSet(REDIS_TLS_CA))
        && !s.get(BACKEND).toLowerCase(java.util.Locale.ROOT).startsWith("rediss")) {
      throw s.error(redisCert ? REDIS_TLS_CERT : REDIS_TLS_CA, "Redis TLS files need a TLS"
          + " backend URI (rediss://, rediss-sentinel://, rediss-cluster://)");
    }
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
      Settings settings = Settings.resolve(DECLARATIONS, Dialect.SERVICE, sources);
      List<String> noEffect = List.of();
      if (settings.get(ENVOY_ENV)) {
        // envoy's variables after SLUICE_*, envoy's defaults after the file
        EnvoyEnvironment envoy = EnvoyEnvironment.read(env);
        sources.add(2, envoy.given());
        sources.add(envoy.defaults());
        settings = Settings.resolve(DECLARATIONS, Dialect.SERVICE, sources);
        noEffect = envoy.noEffect();
      }
      String token = env.get(ADMIN_TOKEN_ENV);
      return new ServerConfig(settings, token == null || token.isEmpty() ? null : token,
          noEffect);
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

  private static String serviceName(String s) {
    if (s.isBlank()) {
      throw new IllegalArgumentException("expected a service name, was empty");
    }
    return s.trim();
  }

  private static Double ratio(String s) {
    double r;
    try {
      r = Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      r = Double.NaN;
    }
    if (!(r >= 0 && r <= 1)) {
      throw new IllegalArgumentException("expected a number between 0 and 1");
    }
    return r;
  }

  private static String hostPort(String s) {
    String t = s.trim();
    int colon = t.lastIndexOf(':');
    int port = -1;
    try {
      port = colon > 0 ? Integer.parseInt(t.substring(colon + 1)) : -1;
    } catch (NumberFormatException e) {
      // reported below
    }
    if (port < 1 || port > 65535 || t.contains("/")) {
      throw new IllegalArgumentException("expected host:port, e.g. localhost:18000");
    }
    return t;
  }

  private static String keyValue(String s) {
    if (s.indexOf('=') <= 0) {
      throw new IllegalArgumentException("expected key=value");
    }
    return s;
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

  /** Where the rules come from: the {@link #rules()} directory, or an xDS management server. */
  public ConfigSource configSource() {
    return get(CONFIG_SOURCE);
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

  /** Global shadow mode: refusals are counted, and answered as admissions. */
  public boolean shadowMode() {
    return get(SHADOW_MODE);
  }

  /**
   * With {@link #ENVOY_ENV}: envoy's variables that were set but have no effect in Sluice
   * (logged at start); else empty.
   */
  public List<String> envoyNoEffect() {
    return envoyNoEffect;
  }

  /** Global quota mode: see {@link #QUOTA_MODE}. */
  public boolean quotaMode() {
    return get(QUOTA_MODE);
  }

  /** The share of a limit past which an admitted decision counts as {@code near_limit}. */
  public double nearLimitRatio() {
    return get(NEAR_LIMIT_RATIO);
  }

  /** Clients listed per rule by the top-clients view; 0 when it is off. */
  public int topClients() {
    return get(TOP_CLIENTS);
  }

  /** Rules the top-clients view tracks at most, per kind. */
  public int topClientsTables() {
    return get(TOP_CLIENTS_TABLES);
  }

  /** Whether decisions are traced (OpenTelemetry spans). */
  public boolean tracing() {
    return get(TRACING);
  }

  /** The {@code service.name} of the spans. */
  public String tracingServiceName() {
    return get(TRACING_SERVICE_NAME);
  }

  /** The share of requests without a sampled parent that are traced. */
  public double tracingSamplingRate() {
    return get(TRACING_SAMPLING_RATE);
  }

  /**
   * The names of the x-ratelimit style's headers ({@code header-limit}, {@code header-remaining},
   * {@code header-reset}).
   */
  public HeaderNames headerNames() {
    return headerNames(settings);
  }

  private static HeaderNames headerNames(Settings s) {
    return new HeaderNames(s.get(HEADER_LIMIT), s.get(HEADER_REMAINING), s.get(HEADER_RESET));
  }

  /** Whether gRPC answers carry {@code response_headers_to_add} (off by default, as envoy). */
  public boolean grpcResponseHeaders() {
    return get(GRPC_RESPONSE_HEADERS);
  }

  /**
   * The gateways whose {@code X-Forwarded-For} {@code /v1/authorize} believes; none unless given
   * (then the connecting peer is the client).
   */
  public TrustedProxies trustedProxies() {
    List<String> proxies = settings.find(TRUSTED_PROXIES);
    return proxies == null ? TrustedProxies.none() : TrustedProxies.of(proxies);
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

  /** On SIGTERM: how long decisions are still answered once the service reports unhealthy. */
  public Duration drainPeriod() {
    return get(DRAIN_PERIOD);
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
   * How a request of several descriptors is counted on {@code /json}, gRPC, {@code /v1/check}
   * and {@code /v1/authorize}: all or nothing (the default) or each on its own (envoy's
   * behaviour).
   */
  public Enforcer.Counting descriptorCounting() {
    return get(DESCRIPTOR_COUNTING);
  }

  /** Listen address of the admin port. */
  public String adminBind() {
    return get(ADMIN_BIND);
  }

  /**
   * The admin port (0: any free port): the rules admin API, {@code /metrics}, {@code /healthz} and
   * {@code /readyz}. Never equal to a decision port.
   */
  public int adminPort() {
    return get(ADMIN_PORT);
  }

  /** The file holding the admin API's bearer token, if set. */
  public @Nullable Path adminTokenFile() {
    return settings.find(ADMIN_TOKEN_FILE);
  }

  /** The admin API's bearer token from {@link #ADMIN_TOKEN_ENV}, if set. */
  @Nullable String adminTokenFromEnvironment() {
    return adminToken;
  }

  /** The PEM certificate chain of the TLS listeners, or null for cleartext. */
  public @Nullable Path tlsCert() {
    return settings.find(TLS_CERT);
  }

  /** The PEM private key (PKCS#8) of {@link #tlsCert()}. */
  public @Nullable Path tlsKey() {
    return settings.find(TLS_KEY);
  }

  /** The PEM CA certificates that client certificates must chain to, if clients present one. */
  public @Nullable Path tlsClientCa() {
    return settings.find(TLS_CLIENT_CA);
  }

  /** Whether clients are asked for certificates (only with TLS). */
  public ClientAuth tlsClientAuth() {
    return get(TLS_CLIENT_AUTH);
  }

  /** The PEM client certificate chain presented to a {@code rediss://} backend, if any. */
  public @Nullable Path redisTlsCert() {
    return settings.find(REDIS_TLS_CERT);
  }

  /** The PEM private key (PKCS#8) of {@link #redisTlsCert()}. */
  public @Nullable Path redisTlsKey() {
    return settings.find(REDIS_TLS_KEY);
  }

  /** The PEM CA certificates a {@code rediss://} server's certificate must chain to, if set. */
  public @Nullable Path redisTlsCa() {
    return settings.find(REDIS_TLS_CA);
  }

  /** {@code text} or {@code json} lines on stderr. */
  public LogFormat logFormat() {
    return get(LOG_FORMAT);
  }

  @Override
  public String toString() {
    return "ServerConfig[bind=" + bind() + ", http-port=" + httpPort() + ", grpc-port="
        + grpcPort() + ", rules=" + rules() + ", backend=" + redacted(backend())
        + ", merge-domains=" + mergeDomains() + ", headers=" + headers() + ", mode="
        + mode().text() + ", admin=" + adminBind() + ":" + adminPort() + ", tls="
        + (tlsCert() != null) + "]";
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
