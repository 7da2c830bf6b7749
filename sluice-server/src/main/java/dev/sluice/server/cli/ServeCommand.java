package dev.sluice.server.cli;

import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice serve}: runs the rate limit service until stopped (SIGINT/SIGTERM). Prints one
 * line with the bound ports on stdout once listening; a bad setting is reported on stderr, naming
 * it, with exit code 1.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Run the rate limit service: envoy's gRPC RateLimitService, POST /json and /v1/check,",
        "/healthz and /readyz on the decision ports; the rules admin API and /metrics on the",
        "admin port (127.0.0.1:8082 by default).",
        "Every option is also a sluice.yaml key and an environment variable SLUICE_<NAME>",
        "(e.g. SLUICE_HTTP_PORT); precedence: option, environment, file, default."})
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE",
      description = "Settings file (default: ./sluice.yaml when present; env SLUICE_CONFIG).")
  @Nullable Path config;

  @Option(names = "--rules", paramLabel = "DIR", description = "Rules directory (default: config).")
  @Nullable String rules;

  @Option(names = "--http-port", paramLabel = "N", description = "HTTP port (default: 8080).")
  @Nullable String httpPort;

  @Option(names = "--grpc-port", paramLabel = "N", description = "gRPC port (default: 8081).")
  @Nullable String grpcPort;

  @Option(names = "--bind", paramLabel = "ADDR",
      description = "Listen address (default: 127.0.0.1; 0.0.0.0 opens every interface).")
  @Nullable String bind;

  @Option(names = "--backend", paramLabel = "memory|URI",
      description = "Where counters live (default: memory).")
  @Nullable String backend;

  @Option(names = "--failure-policy", paramLabel = "POLICY",
      description = "Redis unreachable: fail-open (default), fail-closed or local-fallback.")
  @Nullable String failurePolicy;

  @Option(names = "--merge-domains", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Merge files that declare the same domain (env MERGE_DOMAIN_CONFIG too).")
  @Nullable String mergeDomains;

  @Option(names = "--headers", paramLabel = "STYLE",
      description = "Rate limit headers: x-ratelimit, ietf, both (default) or none.")
  @Nullable String headers;

  @Option(names = "--grpc-response-headers", arity = "0..1", fallbackValue = "true",
      paramLabel = "BOOL", description = "Add the headers to gRPC answers (default: false).")
  @Nullable String grpcResponseHeaders;

  @Option(names = "--max-descriptors", paramLabel = "N",
      description = "Most descriptors per request (default: 1000).")
  @Nullable String maxDescriptors;

  @Option(names = "--max-entries", paramLabel = "N",
      description = "Most entries per descriptor (default: 100).")
  @Nullable String maxEntries;

  @Option(names = "--max-body-bytes", paramLabel = "N",
      description = "Largest request body (default: 1048576).")
  @Nullable String maxBodyBytes;

  @Option(names = "--reload-interval", paramLabel = "DURATION",
      description = "How often the rules directory is checked (default: 1s).")
  @Nullable String reloadInterval;

  @Option(names = "--redis-timeout", paramLabel = "DURATION",
      description = "Redis: wait per decision before the failure policy answers (default: 50ms).")
  @Nullable String redisTimeout;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "consistent (default: every decision by the backend) or eventual (local "
      + "decisions, hits synced in batches); a rule may override it.")
  @Nullable String mode;

  @Option(names = "--sync-interval", paramLabel = "DURATION",
      description = "Eventual mode: how often hits are sent to the backend (default: 100ms).")
  @Nullable String syncInterval;

  @Option(names = "--sync-batch", paramLabel = "N",
      description = "Eventual mode: pending keys that trigger an early sync (default: 512).")
  @Nullable String syncBatch;

  @Option(names = "--first-sight", paramLabel = "local|sync",
      description = "Eventual mode: a key without a fresh view on this instance is asked from the "
      + "backend once (sync, default) or assumed fresh (local).")
  @Nullable String firstSight;

  @Option(names = "--admin-bind", paramLabel = "ADDR",
      description = "Listen address of the admin port (default: 127.0.0.1).")
  @Nullable String adminBind;

  @Option(names = "--admin-port", paramLabel = "N", description = "Admin API and /metrics port "
      + "(default: 8082); never a decision port.")
  @Nullable String adminPort;

  @Option(names = "--admin-token-file", paramLabel = "FILE", description = "File holding the "
      + "bearer token that admin writes need (or the token itself in env SLUICE_ADMIN_TOKEN); "
      + "without one, writes are refused.")
  @Nullable String adminTokenFile;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM certificate chain: HTTPS, gRPC over TLS and the admin port use it.")
  @Nullable String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "PEM private key (PKCS#8) of --tls-cert.")
  @Nullable String tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "FILE",
      description = "PEM CA certificates that client certificates must chain to (mTLS).")
  @Nullable String tlsClientCa;

  @Option(names = "--tls-client-auth", paramLabel = "none|optional|require",
      description = "Ask clients for certificates (default: none).")
  @Nullable String tlsClientAuth;

  @Option(names = "--redis-tls-cert", paramLabel = "FILE",
      description = "rediss://: PEM client certificate chain presented to Redis.")
  @Nullable String redisTlsCert;

  @Option(names = "--redis-tls-key", paramLabel = "FILE",
      description = "rediss://: PEM private key (PKCS#8) of --redis-tls-cert.")
  @Nullable String redisTlsKey;

  @Option(names = "--redis-tls-ca", paramLabel = "FILE",
      description = "rediss://: PEM CA certificates to trust instead of the JVM's.")
  @Nullable String redisTlsCa;

  @Option(names = "--log-format", paramLabel = "text|json",
      description = "Log lines on stderr: text (default) or one JSON object per line.")
  @Nullable String logFormat;

  @Spec CommandSpec spec;

  private final Map<String, String> env;

  ServeCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig cfg;
    SluiceServer server;
    try {
      cfg = ServerConfig.resolve(cli(), env, configFile());
      Logging.apply(cfg.logFormat());
      server = SluiceServer.start(cfg);
    } catch (ServerConfig.ConfigException e) {
      err.println("sluice serve: " + e.getMessage());
      return CommandLine.ExitCode.SOFTWARE;
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      err.println("sluice serve: cannot start: " + cause.getMessage());
      return CommandLine.ExitCode.SOFTWARE;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "sluice-shutdown"));
    out.println("sluice: serving " + (server.tls() ? "HTTPS" : "HTTP") + " on " + cfg.bind() + ":"
        + server.httpPort() + ", gRPC" + (server.tls() ? " (TLS)" : "") + " on " + cfg.bind()
        + ":" + server.grpcPort() + ", admin on " + cfg.adminBind() + ":" + server.adminPort()
        + " (rules: " + cfg.rules() + ", backend: "
        + (cfg.backend().equals("memory") ? "memory" : "redis") + ")"
        + (!server.rulesLoaded() ? " - NOT READY: the rules did not load, see the log"
            : !server.warmedUp() ? " - NOT READY: not warmed up (Redis unreachable?), see the log"
            : ""));
    out.flush();
    stopped.await();
    return CommandLine.ExitCode.OK;
  }

  private @Nullable Path configFile() {
    if (config != null) {
      if (!Files.isRegularFile(config)) {
        throw new ServerConfig.ConfigException("invalid config '" + config
            + "' (from --config): no such file");
      }
      return config;
    }
    String fromEnv = env.get("SLUICE_CONFIG");
    if (fromEnv != null) {
      Path p = Path.of(fromEnv);
      if (!Files.isRegularFile(p)) {
        throw new ServerConfig.ConfigException("invalid config '" + fromEnv
            + "' (from environment SLUICE_CONFIG): no such file");
      }
      return p;
    }
    Path p = Path.of("sluice.yaml");
    return Files.isRegularFile(p) ? p : null;
  }

  private Map<String, String> cli() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "rules", rules);
    put(m, "http-port", httpPort);
    put(m, "grpc-port", grpcPort);
    put(m, "bind", bind);
    put(m, "backend", backend);
    put(m, "failure-policy", failurePolicy);
    put(m, "merge-domains", mergeDomains);
    put(m, "headers", headers);
    put(m, "grpc-response-headers", grpcResponseHeaders);
    put(m, "max-descriptors", maxDescriptors);
    put(m, "max-entries", maxEntries);
    put(m, "max-body-bytes", maxBodyBytes);
    put(m, "reload-interval", reloadInterval);
    put(m, "redis-timeout", redisTimeout);
    put(m, "mode", mode);
    put(m, "sync-interval", syncInterval);
    put(m, "sync-batch", syncBatch);
    put(m, "first-sight", firstSight);
    put(m, "admin-bind", adminBind);
    put(m, "admin-port", adminPort);
    put(m, "admin-token-file", adminTokenFile);
    put(m, "tls-cert", tlsCert);
    put(m, "tls-key", tlsKey);
    put(m, "tls-client-ca", tlsClientCa);
    put(m, "tls-client-auth", tlsClientAuth);
    put(m, "redis-tls-cert", redisTlsCert);
    put(m, "redis-tls-key", redisTlsKey);
    put(m, "redis-tls-ca", redisTlsCa);
    put(m, "log-format", logFormat);
    return m;
  }

  private static void put(Map<String, String> m, String name, @Nullable String value) {
    if (value != null) {
      m.put(name, value);
    }
  }
}
