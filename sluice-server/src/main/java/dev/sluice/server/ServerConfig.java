package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.rules.HeaderStyle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Every setting of {@code sluice serve}, validated. Each setting has one name ({@code http-port})
 * used as the key in {@code sluice.yaml}, as the command line option ({@code --http-port}) and,
 * upper-cased with {@code _} and prefixed by {@code SLUICE_}, as the environment variable ({@code
 * SLUICE_HTTP_PORT}). Precedence: command line, then environment, then file, then default.
 * Immutable.
 */
public final class ServerConfig {

  /** Setting names, in the order they are documented. */
  public static final List<String> SETTINGS = List.of("bind", "http-port", "grpc-port", "rules",
      "backend", "failure-policy", "merge-domains", "headers", "grpc-response-headers",
      "max-descriptors", "max-entries", "max-body-bytes", "reload-interval",
      "redis-timeout", "mode", "sync-interval", "sync-batch", "first-sight",
      "benchmark-endpoints");

  /** How rules are enforced across instances (see docs/distributed.md). */
  public enum Mode {
    /** Every decision is made by the shared backend: exact across instances. */
    CONSISTENT,
    /** Decisions are local; hits are synced to the shared backend in batches. */
    EVENTUAL;

    /** The setting's spelling: {@code consistent}, {@code eventual}. */
    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code consistent} or {@code eventual} (any case). */
    public static Mode parse(String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "consistent" -> CONSISTENT;
        case "eventual" -> EVENTUAL;
        default -> throw new IllegalArgumentException("expected consistent or eventual");
      };
    }
  }

  private final String bind;
  private final int httpPort;
  private final int grpcPort;
  private final Path rules;
  private final String backend;
  private final String failurePolicy;
  private final boolean mergeDomains;
  private final HeaderStyle headers;
  private final boolean grpcResponseHeaders;
  private final int maxDescriptors;
  private final int maxEntries;
  private final int maxBodyBytes;
  private final Duration reloadInterval;
  private final Duration redisTimeout;
  private final Mode mode;
  private final Duration syncInterval;
  private final int syncBatch;
  private final boolean firstSightSync;
  private final boolean benchmarkEndpoints;

  private ServerConfig(Map<String, Value> v) {
    bind = v.get("bind").parse(ServerConfig::address);
    httpPort = v.get("http-port").parse(s -> intIn(s, 0, 65535));
    grpcPort = v.get("grpc-port").parse(s -> intIn(s, 0, 65535));
    rules = v.get("rules").parse(Path::of);
    backend = v.get("backend").parse(ServerConfig::backend);
    failurePolicy = v.get("failure-policy").parse(ServerConfig::failurePolicy);
    mergeDomains = v.get("merge-domains").parse(ServerConfig::bool);
    headers = v.get("headers").parse(HeaderStyle::parse);
    grpcResponseHeaders = v.get("grpc-response-headers").parse(ServerConfig::bool);
    maxDescriptors = v.get("max-descriptors").parse(s -> intIn(s, 1, 1_000_000));
    maxEntries = v.get("max-entries").parse(s -> intIn(s, 1, 1_000_000));
    maxBodyBytes = v.get("max-body-bytes").parse(s -> intIn(s, 1024, 64 << 20));
    reloadInterval = v.get("reload-interval").parse(
        t -> duration(t, Duration.ofMillis(50), Duration.ofHours(1)));
    redisTimeout = v.get("redis-timeout").parse(
        t -> duration(t, Duration.ofMillis(1), Duration.ofMinutes(1)));
    mode = v.get("mode").parse(Mode::parse);
    syncInterval = v.get("sync-interval").parse(
        t -> duration(t, Duration.ofMillis(1), Duration.ofMinutes(1)));
    syncBatch = v.get("sync-batch").parse(t -> intIn(t, 1, 1_000_000));
    firstSightSync = v.get("first-sight").parse(ServerConfig::firstSightSync);
    benchmarkEndpoints = v.get("benchmark-endpoints").parse(ServerConfig::bool);
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
    Map<String, String> fromFile = file == null ? Map.of() : readFile(file);
    for (String name : cli.keySet()) {
      if (!SETTINGS.contains(name)) {
        throw new ConfigException("unknown setting '" + name + "'");
      }
    }
    Map<String, Value> values = new LinkedHashMap<>();
    for (String name : SETTINGS) {
      String envName = envName(name);
      if (cli.containsKey(name)) {
        values.put(name, new Value(name, cli.get(name), "--" + name));
      } else if (env.containsKey(envName)) {
        values.put(name, new Value(name, env.get(envName), "environment " + envName));
      } else if (name.equals("merge-domains") && env.containsKey("MERGE_DOMAIN_CONFIG")) {
        values.put(name, new Value(name, env.get("MERGE_DOMAIN_CONFIG"),
            "environment MERGE_DOMAIN_CONFIG"));
      } else if (fromFile.containsKey(name)) {
        values.put(name, new Value(name, fromFile.get(name), file + " key " + name));
      } else {
        values.put(name, new Value(name, defaultOf(name), "default"));
      }
    }
    return new ServerConfig(values);
  }

  /** The environment variable of a setting: {@code http-port} is {@code SLUICE_HTTP_PORT}. */
  public static String envName(String setting) {
    return "SLUICE_" + setting.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String defaultOf(String name) {
    return switch (name) {
      case "bind" -> "127.0.0.1";
      case "http-port" -> "8080";
      case "grpc-port" -> "8081";
      case "rules" -> "config";
      case "backend" -> "memory";
      case "failure-policy" -> "fail-open";
      case "merge-domains", "grpc-response-headers", "benchmark-endpoints" -> "false";
      case "headers" -> "both";
      case "max-descriptors" -> "1000";
      case "max-entries" -> "100";
      case "max-body-bytes" -> String.valueOf(1 << 20);
      case "reload-interval" -> "1s";
      case "redis-timeout" -> "50ms";
      case "mode" -> "consistent";
      case "sync-interval" -> "100ms";
      case "sync-batch" -> "512";
      case "first-sight" -> "sync";
      default -> throw new IllegalStateException(name);
    };
  }

  private static Map<String, String> readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new ConfigException("cannot read config file " + file + ": not UTF-8 YAML");
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new ConfigException(file + ": expected a mapping of setting: value");
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (!SETTINGS.contains(e.getKey())) {
        throw new ConfigException(file + ": unknown setting '" + e.getKey() + "' (known: "
            + String.join(", ", SETTINGS) + ")");
      }
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw new ConfigException(file + " key " + e.getKey() + ": expected a scalar value");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
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

  private static int intIn(String s, int min, int max) {
    long v;
    try {
      v = Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an integer in " + min + ".." + max);
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("expected an integer in " + min + ".." + max);
    }
    return (int) v;
  }

  private static boolean bool(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "true", "t", "1", "yes" -> true;
      case "false", "f", "0", "no" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    };
  }

  private static String backend(String s) {
    String t = s.trim();
    if (t.equals("memory") || t.matches("(?i)rediss?(-sentinel|-cluster)?://.+")) {
      return t;
    }
    throw new IllegalArgumentException(
        "expected memory or a Redis URI (redis://, rediss://, redis-sentinel://)");
  }

  private static String failurePolicy(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    if (t.equals("fail-open") || t.equals("fail-closed") || t.equals("local-fallback")) {
      return t;
    }
    throw new IllegalArgumentException("expected fail-open, fail-closed or local-fallback");
  }

  private static boolean firstSightSync(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "local" -> false;
      case "sync" -> true;
      default -> throw new IllegalArgumentException("expected local or sync");
    };
  }

  private static Duration duration(String s, Duration min, Duration max) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else {
        throw new IllegalArgumentException();
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("expected a duration such as 500ms or 2s");
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException("expected a duration between " + text(min) + " and "
          + text(max));
    }
    return d;
  }

  private static String text(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** Listen address of both ports. */
  public String bind() {
    return bind;
  }

  /** HTTP port (0: any free port). */
  public int httpPort() {
    return httpPort;
  }

  /** gRPC port (0: any free port); equal to {@link #httpPort()} to serve both on one port. */
  public int grpcPort() {
    return grpcPort;
  }

  /** The rules directory (or file). */
  public Path rules() {
    return rules;
  }

  /** {@code memory} or a Redis URI. */
  public String backend() {
    return backend;
  }

  /**
   * What a Redis backend answers while Redis is unreachable: {@code fail-open}, {@code
   * fail-closed} or {@code local-fallback}.
   */
  public String failurePolicy() {
    return failurePolicy;
  }

  public boolean mergeDomains() {
    return mergeDomains;
  }

  public HeaderStyle headers() {
    return headers;
  }

  /** Whether gRPC answers carry {@code response_headers_to_add} (off by default, as envoy). */
  public boolean grpcResponseHeaders() {
    return grpcResponseHeaders;
  }

  public int maxDescriptors() {
    return maxDescriptors;
  }

  public int maxEntries() {
    return maxEntries;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** How often the rules directory is checked for changes. */
  public Duration reloadInterval() {
    return reloadInterval;
  }

  /**
   * How long a Redis backend waits for one decision before the failure policy answers it. A
   * decision that timed out may still be counted by Redis later, so under a consistent mode a
   * too short timeout costs exactness (fail-open over-admits, fail-closed under-admits).
   */
  public Duration redisTimeout() {
    return redisTimeout;
  }

  /** The default enforcement mode of every rule (a rule may override it). */
  public Mode mode() {
    return mode;
  }

  /** Eventual mode: how often each instance sends its hits to the shared backend. */
  public Duration syncInterval() {
    return syncInterval;
  }

  /** Eventual mode: pending keys that trigger a sync before the interval ends. */
  public int syncBatch() {
    return syncBatch;
  }

  /**
   * Eventual mode: whether a key's first decision on an instance asks the shared backend
   * synchronously ({@code first-sight: sync}) instead of assuming a fresh key ({@code local}).
   */
  public boolean firstSightSync() {
    return firstSightSync;
  }

  /**
   * Whether the no-op baselines of the server benchmark are served: HTTP {@code POST /noop} and
   * gRPC {@code ShouldRateLimit} for the reserved domain {@code __noop__} (see
   * docs/server-benchmarks.md). Off by default.
   */
  public boolean benchmarkEndpoints() {
    return benchmarkEndpoints;
  }

  @Override
  public String toString() {
    return "ServerConfig[bind=" + bind + ", http-port=" + httpPort + ", grpc-port=" + grpcPort
        + ", rules=" + rules + ", backend=" + redacted(backend) + ", merge-domains="
        + mergeDomains + ", headers=" + headers + ", mode=" + mode.text() + "]";
  }

  /** A URI without its password, for logs. */
  static String redacted(String uri) {
    return uri.replaceAll("://[^@/]*@", "://***@");
  }

  /** A setting's raw text and where it came from, for error messages. */
  private record Value(String name, String text, String source) {
    Value {
      Objects.requireNonNull(text, name);
    }

    <T> T parse(Function<String, T> parser) {
      try {
        return parser.apply(text);
      } catch (RuntimeException e) {
        String why = e instanceof IllegalArgumentException && e.getMessage() != null
            ? e.getMessage() : "invalid value";
        throw new ConfigException("invalid " + name + " '" + text + "' (from " + source + "): "
            + why);
      }
    }
  }

  /** A bad setting; the message names it, its source and what is allowed. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }
}
