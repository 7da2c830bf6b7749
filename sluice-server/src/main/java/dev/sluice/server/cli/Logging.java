package dev.sluice.server.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.sluice.server.ServerConfig;
import java.net.URL;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The {@code log-format} setting of {@code sluice serve}. {@code text} is the jar's {@code
 * logback.xml}: one line per event on stderr. {@code json} reconfigures logback from {@code
 * logback-json.xml}: one JSON object per line on stderr (logback's {@code JsonEncoder}). When
 * slf4j is bound to another backend (sluice embedded in an application that brings its own),
 * the application's configuration is left alone.
 */
final class Logging {

  private Logging() {}

  /** Applies {@code format}, before anything of the service logs. */
  static void apply(ServerConfig.LogFormat format) {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (format == ServerConfig.LogFormat.TEXT || !(factory instanceof LoggerContext context)) {
      return;
    }
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
