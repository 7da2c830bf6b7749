package dev.sluice.server.cli;

import dev.sluice.enforcement.settings.SettingOptions;
import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
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
        "/healthz, /readyz and /healthcheck (with gRPC health) on the decision ports; the rules",
        "admin API and /metrics on the admin port (127.0.0.1:8082 by default).",
        "Every option is also a sluice.yaml key and an environment variable SLUICE_<NAME>",
        "(e.g. SLUICE_HTTP_PORT); precedence: option, environment, file, default."})
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE",
      description = "Settings file (default: ./sluice.yaml when present; env SLUICE_CONFIG).")
  @Nullable Path config;

  @Spec CommandSpec spec;

  private final Map<String, String> env;

  ServeCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /**
   * The {@code serve} command line: the annotated options above plus one option per declared
   * setting ({@link ServerConfig#DECLARATIONS}), whose help comes from the declaration.
   */
  static CommandLine commandLine(Map<String, String> env) {
    CommandSpec spec = CommandSpec.forAnnotatedObject(new ServeCommand(env));
    SettingOptions.addTo(spec, ServerConfig.DECLARATIONS);
    return new CommandLine(spec);
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig cfg;
    SluiceServer server;
    try {
      cfg = ServerConfig.resolve(cli(), env, configFile());
      Logging.apply(cfg.logFormat(), cfg.get(ServerConfig.LOG_LEVEL));
      if (!cfg.envoyNoEffect().isEmpty()) {
        LoggerFactory.getLogger(ServeCommand.class).warn("envoy variables set that have no"
            + " effect in Sluice (docs/envoy.md): {}", String.join(", ", cfg.envoyNoEffect()));
      }
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
      server.drainAndClose();
      stopped.countDown();
    }, "sluice-shutdown"));
    out.println("sluice: serving " + (server.tls() ? "HTTPS" : "HTTP") + " on " + cfg.bind() + ":"
        + server.httpPort() + ", gRPC" + (server.tls() ? " (TLS)" : "") + " on " + cfg.bind()
        + ":" + server.grpcPort() + ", admin on " + cfg.adminBind() + ":" + server.adminPort()
        + " (rules: " + (cfg.configSource() == ServerConfig.ConfigSource.XDS
            ? "xDS " + cfg.get(ServerConfig.XDS_SERVER) : cfg.rules()) + ", backend: "
        + (cfg.backend().equals("memory") ? "memory" : "redis") + ")"
        + (!server.rulesLoaded() && cfg.configSource() == ServerConfig.ConfigSource.XDS
            ? " - NOT READY until the management server sends a configuration"
            : !server.rulesLoaded() ? " - NOT READY: the rules did not load, see the log"
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
    return SettingOptions.given(spec, ServerConfig.DECLARATIONS);
  }
}
