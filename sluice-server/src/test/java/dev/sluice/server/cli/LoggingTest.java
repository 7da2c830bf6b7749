package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code log-format}: JSON lines on stderr, and the setting's errors and start-up errors. */
class LoggingTest {

  @TempDir Path dir;

  @Test
  void theLevelDropsLessSevereLines() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Logging.apply(ServerConfig.LogFormat.JSON, ServerConfig.LogLevel.WARN);
      LoggerFactory.getLogger("dev.sluice.server.Test").info("not shown at warn");
      LoggerFactory.getLogger("dev.sluice.server.Test").warn("shown at warn");
    } finally {
      System.setErr(err);
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      context.reset();
      new ContextInitializer(context).autoConfig();
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("shown at warn")
        .doesNotContain("not shown");
  }

  @Test
  void jsonWritesOneObjectPerLine() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Logging.apply(ServerConfig.LogFormat.JSON, ServerConfig.LogLevel.INFO);
      LoggerFactory.getLogger("dev.sluice.server.Test").info("rules loaded from {}: {} domain(s)",
          "config", 2);
      LoggerFactory.getLogger("dev.sluice.server.Test").warn("second \"line\"\nwith a newline");
      LoggerFactory.getLogger("com.linecorp.armeria.Noise").info("not shown");
    } finally {
      System.setErr(err);
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      context.reset();
      new ContextInitializer(context).autoConfig(); // back to the text format of logback.xml
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("INFO");
    assertThat(first.path("loggerName").asText()).isEqualTo("dev.sluice.server.Test");
    assertThat(first.path("formattedMessage").asText())
        .isEqualTo("rules loaded from config: 2 domain(s)");
    assertThat(first.path("timestamp").asLong()).isPositive();
    assertThat(json.readTree(lines.get(1)).path("formattedMessage").asText())
        .isEqualTo("second \"line\"\nwith a newline");
  }

  @Test
  void aBadLogFormatOrAnUnreadableCertificateStopsServeNamingIt() {
    CheckCommandTest.Result r = CheckCommandTest.run(Map.of(), "serve", "--log-format", "yaml");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("sluice serve: invalid log-format 'yaml' (from --log-format):"
        + " expected text or json\n");
    Path missing = dir.resolve("missing.pem");
    r = CheckCommandTest.run(Map.of(), "serve", "--http-port", "0", "--grpc-port", "0",
        "--admin-port", "0", "--rules", dir.toString(), "--tls-cert", missing.toString(),
        "--tls-key", missing.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("sluice serve: cannot read tls-cert " + missing
        + ": no such file\n");
  }
}
