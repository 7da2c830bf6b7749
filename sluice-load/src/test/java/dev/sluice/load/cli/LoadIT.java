package dev.sluice.load.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar sluice-load-*-cli.jar} as a real process: the shaded jar draws its chart headless. */
class LoadIT {

  record Result(int code, String out, String err) {}

  @TempDir Path dir;

  @Test
  void loadsTheServiceFromTheShadedJar() throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rules.resolve("r.yaml"), "domain: d\ndescriptors:\n  - key: k\n"
        + "    rate_limit: {unit: hour, requests_per_unit: 1}\n");
    SluiceServer server = SluiceServer.start(ServerConfig.resolve(Map.of("http-port", "0",
        "grpc-port", "0", "admin-port", "0", "rules", rules.toString()), Map.of(), null));
    try {
      Result r = run(dir, List.of(java(), "-jar",
          cliJar().toString(), "--rate", "10/s", "--duration", "1s",
          "-X", "POST", "--body",
          "{\"domain\":\"d\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}]}",
          "--out", "out", "http://127.0.0.1:" + server.httpPort() + "/json"));
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("sent           10", "allowed         1  (2xx)",
          "denied          9  (429)");
      BufferedImage png = ImageIO.read(dir.resolve("out/load.png").toFile());
      assertThat(png.getWidth()).isEqualTo(1000);
      assertThat(Files.readAllLines(dir.resolve("out/load.csv"))).hasSize(2);
    } finally {
      server.close();
    }
  }

  @Test
  void badInputIsOneLineAndExitCodeTwo() throws Exception {
    Result r = run(dir, List.of(java(), "-jar",
        cliJar().toString(), "--rate", "fast", "http://127.0.0.1:9/"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("sluice load: Invalid value for option '--rate': 'fast':"
        + " expected COUNT/UNIT such as 2000/min, 50/s or 300/30s\n"
        + "Try 'sluice load --help' for the options.\n");
    assertThat(r.out()).isEmpty();
  }

  private static Result run(Path dir, List<String> command) throws Exception {
    Path out = Files.createTempFile("sluice-out", ".txt");
    Path err = Files.createTempFile("sluice-err", ".txt");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError("sluice load did not finish in 2 minutes: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Path cliJar() {
    String jar = System.getProperty("sluice.load.jar");
    if (jar == null) {
      throw new IllegalStateException("run through failsafe: sluice.load.jar is not set");
    }
    return Path.of(jar);
  }
}
