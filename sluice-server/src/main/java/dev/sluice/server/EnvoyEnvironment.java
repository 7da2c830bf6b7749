package dev.sluice.server;

import dev.sluice.enforcement.settings.Setting;
import dev.sluice.enforcement.settings.Source;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * envoy ratelimit's environment variables ({@code settings.go}) read as Sluice's settings, when
 * {@code envoy-env} is on: {@code sluice serve} started with the environment of an envoy
 * ratelimit container behaves as that container would. Two sources: {@link #given()}, the
 * variables set (after {@code SLUICE_*} variables, before {@code sluice.yaml}), and {@link
 * #defaults()}, envoy's defaults for what is unset (after {@code sluice.yaml}, before Sluice's
 * defaults). A variable Sluice cannot honour stops the start with a {@link
 * ServerConfig.ConfigException} naming it; a variable set that has no effect here is listed by {@link #noEffect()} for the
 * start's log. Every variable of envoy's settings is in {@link #VARIABLES}, and in
 * docs/envoy.md with what Sluice does with it.
 */
final class EnvoyEnvironment {

  /** Every environment variable of envoy ratelimit's settings, in the order of its source. */
  static final List<String> VARIABLES = List.of("HOST", "PORT", "DEBUG_HOST", "DEBUG_PORT",
      "GRPC_UDS", "GRPC_HOST", "GRPC_PORT", "GRPC_MAX_CONNECTION_AGE",
      "GRPC_MAX_CONNECTION_AGE_GRACE", "GRPC_SERVER_USE_TLS", "GRPC_SERVER_TLS_CERT",
      "GRPC_SERVER_TLS_KEY", "GRPC_CLIENT_TLS_CACERT", "GRPC_CLIENT_TLS_SAN", "LOG_LEVEL",
      "LOG_FORMAT", "CONFIG_TYPE", "FORCE_START_WITHOUT_INITIAL_CONFIG",
      "CONFIG_GRPC_XDS_NODE_ID", "CONFIG_GRPC_XDS_NODE_METADATA", "CONFIG_GRPC_XDS_SERVER_URL",
      "CONFIG_GRPC_XDS_SERVER_CONNECT_RETRY_INTERVAL", "CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS",
      "CONFIG_GRPC_XDS_SERVER_USE_TLS", "CONFIG_GRPC_XDS_CLIENT_TLS_CERT",
      "CONFIG_GRPC_XDS_CLIENT_TLS_KEY", "CONFIG_GRPC_XDS_SERVER_TLS_CACERT",
      "CONFIG_GRPC_XDS_SERVER_TLS_SAN", "XDS_CLIENT_BACKOFF_INITIAL_INTERVAL",
      "XDS_CLIENT_BACKOFF_MAX_INTERVAL", "XDS_CLIENT_BACKOFF_RANDOM_FACTOR",
      "XDS_CLIENT_BACKOFF_JITTER", "XDS_CLIENT_MAX_MSG_SIZE_IN_BYTES", "USE_DOG_STATSD",
      "USE_DOG_STATSD_MOGRIFIERS", "USE_STATSD", "STATSD_HOST", "STATSD_PORT", "EXTRA_TAGS",
      "STATS_FLUSH_INTERVAL", "DISABLE_STATS", "USE_PROMETHEUS", "PROMETHEUS_ADDR",
      "PROMETHEUS_PATH", "PROMETHEUS_MAPPER_YAML", "PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS",
      "RUNTIME_ROOT", "RUNTIME_SUBDIRECTORY", "RUNTIME_APPDIRECTORY", "RUNTIME_IGNOREDOTFILES",
      "RUNTIME_WATCH_ROOT", "EXPIRATION_JITTER_MAX_SECONDS", "LOCAL_CACHE_SIZE_IN_BYTES",
      "NEAR_LIMIT_RATIO", "CACHE_KEY_PREFIX", "BACKEND_TYPE",
      "STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT", "LIMIT_RESPONSE_HEADERS_ENABLED",
      "LIMIT_LIMIT_HEADER", "LIMIT_REMAINING_HEADER", "LIMIT_RESET_HEADER",
      "HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED", "REDIS_SOCKET_TYPE", "REDIS_TYPE", "REDIS_URL",
      "REDIS_POOL_SIZE", "REDIS_AUTH", "REDIS_TLS", "REDIS_TLS_CLIENT_CERT",
      "REDIS_TLS_CLIENT_KEY", "REDIS_TLS_CACERT", "REDIS_TLS_SKIP_HOSTNAME_VERIFICATION",
      "REDIS_PIPELINE_WINDOW", "REDIS_PIPELINE_LIMIT", "REDIS_CLUSTER_PIPELINE_PARALLELISM",
      "REDIS_PERSECOND", "REDIS_PERSECOND_SOCKET_TYPE", "REDIS_PERSECOND_TYPE",
      "REDIS_PERSECOND_URL", "REDIS_PERSECOND_POOL_SIZE", "REDIS_PERSECOND_AUTH",
      "REDIS_PERSECOND_TLS", "REDIS_SENTINEL_AUTH", "REDIS_PERSECOND_SENTINEL_AUTH",
      "REDIS_PERSECOND_PIPELINE_WINDOW", "REDIS_PERSECOND_PIPELINE_LIMIT",
      "REDIS_PERSECOND_CLUSTER_PIPELINE_PARALLELISM", "REDIS_HEALTH_CHECK_ACTIVE_CONNECTION",
      "REDIS_TIMEOUT", "REDIS_PERSECOND_TIMEOUT", "REDIS_POOL_ON_EMPTY_BEHAVIOR",
      "REDIS_PERSECOND_POOL_ON_EMPTY_BEHAVIOR", "REDIS_STARTUP_INITIAL_INTERVAL",
      "REDIS_STARTUP_MAX_INTERVAL", "REDIS_STARTUP_MAX_ELAPSED_TIME", "MEMCACHE_HOST_PORT",
      "MEMCACHE_MAX_IDLE_CONNS", "MEMCACHE_SRV", "MEMCACHE_SRV_REFRESH", "MEMCACHE_TLS",
      "MEMCACHE_TLS_CLIENT_CERT", "MEMCACHE_TLS_CLIENT_KEY", "MEMCACHE_TLS_CACERT",
      "MEMCACHE_TLS_SKIP_HOSTNAME_VERIFICATION", "SHADOW_MODE", "QUOTA_MODE",
      "RESPONSE_DYNAMIC_METADATA", "MERGE_DOMAIN_CONFIG", "TRACING_ENABLED",
      "TRACING_SERVICE_NAME", "TRACING_SERVICE_NAMESPACE", "TRACING_SERVICE_INSTANCE_ID",
      "TRACING_EXPORTER_PROTOCOL", "TRACING_SAMPLING_RATE");

  /**
   * The xDS variables that are their settings' environment aliases ({@code xds-*} in {@link
   * ServerConfig}), read with or without {@code envoy-env}; the other xDS variables have no
   * effect.
   */
  private static final List<String> XDS_READ = List.of("CONFIG_GRPC_XDS_NODE_ID",
      "CONFIG_GRPC_XDS_NODE_METADATA", "CONFIG_GRPC_XDS_SERVER_URL",
      "CONFIG_GRPC_XDS_SERVER_USE_TLS", "CONFIG_GRPC_XDS_CLIENT_TLS_CERT",
      "CONFIG_GRPC_XDS_CLIENT_TLS_KEY", "CONFIG_GRPC_XDS_SERVER_TLS_CACERT",
      "XDS_CLIENT_BACKOFF_INITIAL_INTERVAL", "XDS_CLIENT_BACKOFF_MAX_INTERVAL");

  /**
   * Variables accepted without effect: tuning of envoy's own machinery that Sluice does
   * otherwise, or settings of features that are off (xDS, the per-second Redis, statsd's and gRPC
   * TLS's details). {@code MERGE_DOMAIN_CONFIG} is its setting's environment alias, read with or
   * without {@code envoy-env}. Listed in the start's log when set.
   */
  private static final List<String> NO_EFFECT = VARIABLES.stream()
      .filter(v -> (v.startsWith("CONFIG_GRPC_XDS_") || v.startsWith("XDS_CLIENT_"))
              && !XDS_READ.contains(v)
          || (v.startsWith("REDIS_PERSECOND_") && !v.equals("REDIS_PERSECOND"))
          || v.equals("TRACING_SERVICE_NAMESPACE") || v.equals("TRACING_SERVICE_INSTANCE_ID")
          || v.equals("TRACING_EXPORTER_PROTOCOL")
          || (v.startsWith("GRPC_") && v.contains("_TLS_"))
          || (v.startsWith("REDIS_") && (v.contains("PIPELINE") || v.contains("STARTUP")))
          || List.of("GRPC_MAX_CONNECTION_AGE", "GRPC_MAX_CONNECTION_AGE_GRACE",
              "FORCE_START_WITHOUT_INITIAL_CONFIG", "EXPIRATION_JITTER_MAX_SECONDS",
              "STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT", "HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED",
              "RUNTIME_IGNOREDOTFILES", "RUNTIME_WATCH_ROOT", "REDIS_POOL_SIZE",
              "REDIS_HEALTH_CHECK_ACTIVE_CONNECTION", "DISABLE_STATS", "STATSD_HOST",
              "STATSD_PORT", "EXTRA_TAGS", "STATS_FLUSH_INTERVAL", "USE_DOG_STATSD_MOGRIFIERS",
              "PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS").contains(v))
      .toList();

  private final Map<String, String> env;
  private final Map<String, Source.Given> given = new LinkedHashMap<>();
  private final Map<String, Source.Given> defaults = new LinkedHashMap<>();
  private final List<String> noEffect = new ArrayList<>();

  private EnvoyEnvironment(Map<String, String> env) {
    this.env = env;
  }

  /**
   * Reads envoy's variables from {@code env}.
   *
   * @throws ServerConfig.ConfigException naming the first variable Sluice cannot honour, or one whose value
   *     envoy would not accept
   */
  static EnvoyEnvironment read(Map<String, String> env) {
    EnvoyEnvironment e = new EnvoyEnvironment(env);
    e.refuseUnsupported();
    e.listeners();
    e.rules();
    e.redis();
    e.behaviour();
    e.noEffectIfSet(NO_EFFECT);
    return e;
  }

  /** The variables set, as a source of settings (after {@code SLUICE_*}, before the file). */
  Source given() {
    return source(given, "environment (envoy)");
  }

  /** envoy's defaults of what is unset, as a source (after the file, before Sluice's defaults). */
  Source defaults() {
    return source(defaults, "envoy default");
  }

  /** The variables set that have no effect here. */
  List<String> noEffect() {
    return List.copyOf(noEffect);
  }

  private static Source source(Map<String, Source.Given> values, String what) {
    return new Source() {
      @Override
      public Source.@Nullable Given find(Setting<?> setting) {
        return values.get(setting.name());
      }

      @Override
      public String nameOf(Setting<?> setting) {
        return what + " for " + setting.name();
      }
    };
  }

  // ---- the variables

  private void refuseUnsupported() {
    refuseIf("GRPC_UDS", v -> !v.isEmpty(), "Unix domain sockets are not supported; gRPC"
        + " listens on GRPC_PORT");
    refuseIf("GRPC_SERVER_USE_TLS", EnvoyEnvironment::isTrue, "TLS on the gRPC port alone is"
        + " not supported; Sluice's tls-cert and tls-key (SLUICE_TLS_CERT, SLUICE_TLS_KEY) serve"
        + " TLS on every port");
    // GRPC_XDS_SOTW is config-source's environment alias (rules from an xDS management server)
    refuseIf("CONFIG_TYPE", v -> !v.equalsIgnoreCase("FILE")
        && !v.equalsIgnoreCase("GRPC_XDS_SOTW"), "only FILE (rules files under RUNTIME_ROOT)"
        + " and GRPC_XDS_SOTW (rules from an xDS management server) are supported");
    refuseIf("BACKEND_TYPE", v -> !v.equalsIgnoreCase("redis"), "only redis is supported"
        + " (memcache is not); without REDIS_URL the memory backend is used");
    for (String v : VARIABLES) {
      if (v.startsWith("MEMCACHE_")) {
        refuseIf(v, x -> true, "memcache is not supported; use BACKEND_TYPE=redis");
      }
    }
    refuseIf("USE_STATSD", EnvoyEnvironment::isTrue, "statsd is not supported; set"
        + " USE_STATSD=false and scrape Prometheus metrics (USE_PROMETHEUS=true)");
    refuseIf("USE_DOG_STATSD", EnvoyEnvironment::isTrue, "DogStatsD is not supported; scrape"
        + " Prometheus metrics (USE_PROMETHEUS=true)");
    refuseIf("PROMETHEUS_MAPPER_YAML", v -> !v.isEmpty(), "Sluice's metric names are fixed"
        + " (docs/server.md); a statsd mapper does not apply");
    refuseIf("CACHE_KEY_PREFIX", v -> !v.isEmpty(), "Sluice's Redis keys have their own layout"
        + " and prefix (sluice:); give each deployment its own Redis database instead");
    refuseIf("REDIS_PERSECOND", EnvoyEnvironment::isTrue, "a second Redis for per-second"
        + " limits is not supported; every limit is kept in REDIS_URL's Redis");
    refuseIf("REDIS_SENTINEL_AUTH", v -> !v.isEmpty(), "a password for the Sentinel nodes is"
        + " not supported");
    refuseIf("REDIS_POOL_ON_EMPTY_BEHAVIOR", v -> !v.equalsIgnoreCase("WAIT"), "only WAIT"
        + " (envoy ratelimit refuses the others too)");
    refuseIf("RESPONSE_DYNAMIC_METADATA", EnvoyEnvironment::isTrue, "dynamic metadata in"
        + " responses is not supported");
    refuseIf("TRACING_EXPORTER_PROTOCOL", v -> !v.equalsIgnoreCase("http"), "spans are"
        + " exported over OTLP/HTTP only (OTEL_EXPORTER_OTLP_ENDPOINT, port 4318)");
  }

  private void listeners() {
    String host = value("HOST");
    String grpcHost = value("GRPC_HOST");
    if (grpcHost != null && !grpcHost.equals(host == null ? "0.0.0.0" : host)) {
      throw refused("GRPC_HOST", grpcHost, "Sluice's HTTP and gRPC ports listen on one address:"
          + " set HOST (and GRPC_HOST the same)");
    }
    map("HOST", ServerConfig.BIND, "0.0.0.0");
    map("PORT", ServerConfig.HTTP_PORT, "8080");
    map("GRPC_PORT", ServerConfig.GRPC_PORT, "8081");
    map("DEBUG_HOST", ServerConfig.ADMIN_BIND, "0.0.0.0");
    if (bool("USE_PROMETHEUS", false)) {
      // /metrics is served on the admin port: PROMETHEUS_ADDR names it
      String addr = orDefault("PROMETHEUS_ADDR", ":9090");
      int colon = addr.lastIndexOf(':');
      if (colon < 0) {
        throw refused("PROMETHEUS_ADDR", addr, "expected [host]:port");
      }
      String port = addr.substring(colon + 1);
      String debug = value("DEBUG_PORT");
      if (debug != null && !debug.equals(port)) {
        throw refused("PROMETHEUS_ADDR", addr, "Sluice serves /metrics on its admin port, which"
            + " is DEBUG_PORT (" + debug + "): give both the same port, or leave DEBUG_PORT"
            + " unset");
      }
      String path = orDefault("PROMETHEUS_PATH", "/metrics");
      if (!path.equals("/metrics")) {
        throw refused("PROMETHEUS_PATH", path, "Sluice serves Prometheus metrics at /metrics");
      }
      put(ServerConfig.ADMIN_PORT, port, value("PROMETHEUS_ADDR") != null ? "PROMETHEUS_ADDR"
          : null);
      String bind = addr.substring(0, colon);
      if (!bind.isEmpty() && value("DEBUG_HOST") == null) {
        put(ServerConfig.ADMIN_BIND, bind, "PROMETHEUS_ADDR");
      }
    } else {
      map("DEBUG_PORT", ServerConfig.ADMIN_PORT, "6070");
      noEffectIfSet(List.of("PROMETHEUS_ADDR", "PROMETHEUS_PATH"));
    }
  }

  private void rules() {
    String root = orDefault("RUNTIME_ROOT", "/srv/runtime_data/current");
    String sub = orDefault("RUNTIME_SUBDIRECTORY", "");
    String app = orDefault("RUNTIME_APPDIRECTORY", "config");
    String dir = String.join("/", List.of(root, sub, app).stream().filter(s -> !s.isEmpty())
        .toList());
    boolean set = value("RUNTIME_ROOT") != null || value("RUNTIME_SUBDIRECTORY") != null
        || value("RUNTIME_APPDIRECTORY") != null;
    (set ? given : defaults).put(ServerConfig.RULES.name(), Source.Given.text(dir,
        set ? "environment RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY"
            : "envoy default of RUNTIME_ROOT"));
  }

  private void redis() {
    String url = value("REDIS_URL");
    if (url == null) {
      noEffectIfSet(List.of("REDIS_TYPE", "REDIS_AUTH", "REDIS_TLS", "REDIS_SOCKET_TYPE",
          "LOCAL_CACHE_SIZE_IN_BYTES"));
      return; // Sluice's backend setting (memory by default)
    }
    String socket = orDefault("REDIS_SOCKET_TYPE", "unix");
    if (!socket.equalsIgnoreCase("tcp")) {
      throw refused("REDIS_SOCKET_TYPE", socket, "only tcp is supported (envoy's default is"
          + " unix): set REDIS_SOCKET_TYPE=tcp and REDIS_URL=host:port");
    }
    boolean tls = bool("REDIS_TLS", false);
    String auth = value("REDIS_AUTH");
    String userInfo = "";
    if (auth != null && !auth.isEmpty()) {
      int colon = auth.indexOf(':');
      userInfo = (colon >= 0 ? encode(auth.substring(0, colon)) + ":"
          + encode(auth.substring(colon + 1)) : encode(auth)) + "@";
    }
    String type = orDefault("REDIS_TYPE", "SINGLE").toLowerCase(Locale.ROOT);
    String s = tls ? "s" : "";
    String uri = switch (type) {
      case "single" -> "redis" + s + "://" + userInfo + url;
      case "cluster" -> "redis" + s + "-cluster://" + userInfo + url;
      case "sentinel" -> {
        int comma = url.indexOf(',');
        if (comma <= 0) {
          throw refused("REDIS_URL", url, "REDIS_TYPE=sentinel expects <master name>,"
              + "<sentinel host:port>,...");
        }
        yield "redis" + s + "-sentinel://" + userInfo + url.substring(comma + 1) + "#"
            + url.substring(0, comma);
      }
      default -> throw refused("REDIS_TYPE", type, "expected single, sentinel or cluster");
    };
    if (tls && bool("REDIS_TLS_SKIP_HOSTNAME_VERIFICATION", false)) {
      uri += "?verifyPeer=ca";
    }
    given.put(ServerConfig.BACKEND.name(), Source.Given.text(uri, "environment REDIS_URL"));
    map("REDIS_TLS_CLIENT_CERT", ServerConfig.REDIS_TLS_CERT, null);
    map("REDIS_TLS_CLIENT_KEY", ServerConfig.REDIS_TLS_KEY, null);
    map("REDIS_TLS_CACERT", ServerConfig.REDIS_TLS_CA, null);
    map("REDIS_TIMEOUT", ServerConfig.REDIS_TIMEOUT, null);
    map("LOCAL_CACHE_SIZE_IN_BYTES", ServerConfig.OVER_LIMIT_CACHE, null);
  }

  private void behaviour() {
    mapBool("SHADOW_MODE", ServerConfig.SHADOW_MODE);
    mapBool("QUOTA_MODE", ServerConfig.QUOTA_MODE);
    mapBool("MERGE_DOMAIN_CONFIG", ServerConfig.MERGE_DOMAINS);
    mapBool("TRACING_ENABLED", ServerConfig.TRACING);
    map("TRACING_SERVICE_NAME", ServerConfig.TRACING_SERVICE_NAME, "RateLimit");
    map("TRACING_SAMPLING_RATE", ServerConfig.TRACING_SAMPLING_RATE, null);
    mapBool("LIMIT_RESPONSE_HEADERS_ENABLED", ServerConfig.GRPC_RESPONSE_HEADERS);
    map("LIMIT_LIMIT_HEADER", ServerConfig.HEADER_LIMIT, "RateLimit-Limit");
    map("LIMIT_REMAINING_HEADER", ServerConfig.HEADER_REMAINING, "RateLimit-Remaining");
    map("LIMIT_RESET_HEADER", ServerConfig.HEADER_RESET, "RateLimit-Reset");
    defaults.put(ServerConfig.HEADERS.name(), Source.Given.text("x-ratelimit",
        "envoy's headers"));
    defaults.put(ServerConfig.DESCRIPTOR_COUNTING.name(), Source.Given.text("each",
        "envoy's counting"));
    map("NEAR_LIMIT_RATIO", ServerConfig.NEAR_LIMIT_RATIO, null);
    // envoy's first wait before reconnecting to the xDS server (the variable itself is the
    // setting's alias)
    defaults.put(ServerConfig.XDS_BACKOFF_INITIAL.name(), Source.Given.text("10s",
        "envoy default of XDS_CLIENT_BACKOFF_INITIAL_INTERVAL"));
    String level = orDefault("LOG_LEVEL", "WARN").toLowerCase(Locale.ROOT);
    level = switch (level) {
      case "warning" -> "warn";
      case "fatal", "panic" -> "error";
      default -> level;
    };
    (value("LOG_LEVEL") != null ? given : defaults).put(ServerConfig.LOG_LEVEL.name(),
        Source.Given.text(level, "environment LOG_LEVEL"));
    String format = value("LOG_FORMAT");
    if (format != null) {
      put(ServerConfig.LOG_FORMAT, format.equalsIgnoreCase("json") ? "json" : "text",
          "LOG_FORMAT");
    }
  }

  // ---- helpers

  private void noEffectIfSet(List<String> variables) {
    for (String v : variables) {
      if (value(v) != null) {
        noEffect.add(v);
      }
    }
  }

  private @Nullable String value(String variable) {
    return env.get(variable);
  }

  private String orDefault(String variable, String byDefault) {
    String v = value(variable);
    return v == null ? byDefault : v.trim();
  }

  /** {@code variable} as {@code setting} when set, else envoy's default (null: Sluice's). */
  private void map(String variable, Setting<?> setting, @Nullable String envoyDefault) {
    String v = value(variable);
    if (v != null) {
      put(setting, v.trim(), variable);
    } else if (envoyDefault != null) {
      defaults.put(setting.name(), Source.Given.text(envoyDefault,
          "envoy default of " + variable));
    }
  }

  private void mapBool(String variable, Setting<Boolean> setting) {
    if (value(variable) != null) {
      put(setting, Boolean.toString(bool(variable, false)), variable);
    }
  }

  private void put(Setting<?> setting, String text, @Nullable String variable) {
    if (variable == null) {
      defaults.put(setting.name(), Source.Given.text(text, "envoy default"));
    } else {
      given.put(setting.name(), Source.Given.text(text, "environment " + variable));
    }
  }

  /** A boolean as envoy (Go's strconv.ParseBool) reads it. */
  private boolean bool(String variable, boolean byDefault) {
    String v = value(variable);
    if (v == null) {
      return byDefault;
    }
    return switch (v.trim()) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default -> throw refused(variable, v, "expected true or false");
    };
  }

  private static boolean isTrue(String v) {
    return switch (v.trim()) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      default -> false;
    };
  }

  private void refuseIf(String variable, Predicate<String> refused,
      String why) {
    String v = value(variable);
    if (v != null && refused.test(v.trim())) {
      throw refused(variable, v, why);
    }
  }

  private static ServerConfig.ConfigException refused(String variable, String value,
      String why) {
    boolean secret = variable.contains("AUTH");
    return new ServerConfig.ConfigException("envoy variable " + variable
        + (secret ? "" : "='" + value + "'") + " (from environment " + variable
        + ") is not supported: " + why);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
