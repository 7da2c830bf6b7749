package dev.sluice.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.sluice.server.ServerConfig;
import java.net.URL;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The {@code log-format} and {@code log-level} settings of {@code sluice serve}. {@code text} is the jar's {@code
 * logback.xml}: one line per event on stderr. {@code json} reconfigures logback from {@code
 * logback-json.xml}: one JSON object per line on stderr (logback's {@code JsonEncoder}). When
 * slf4j is bound to another backend (sluice embedded in an application that brings its own),
 * the application's configuration is left alone.
 */
final class Logging {

  private Logging() {}

  /** Applies {@code format} and {@code level}, before anything of the service logs. */
  static void apply(ServerConfig.LogFormat format, ServerConfig.LogLevel level) {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      return;
    }
    if (format == ServerConfig.LogFormat.JSON) {
      json(context);
    }
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level.name()));
  }

  private static void json(LoggerContext context) {
    URL json = Objects.requireNonNull(Logging.class.getResource("logback-json.xml"));
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(json);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot configure JSON logs: " + e.getMessage(), e);
    }
  }
}
