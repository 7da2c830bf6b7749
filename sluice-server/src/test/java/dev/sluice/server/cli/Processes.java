package dev.sluice.server.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real process to completion and captures its exit code, stdout and stderr. */
final class Processes {

  record Result(int code, String out, String err) {}

  private Processes() {}

  static Result run(Path dir, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("sluice-out", ".txt");
    Path err = Files.createTempFile("sluice-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      pb.environment().remove("MERGE_DOMAIN_CONFIG");
      pb.environment().remove("SLUICE_JAVA_OPTS");
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Path shadedJar() {
    String jar = System.getProperty("sluice.jar");
    if (jar == null) {
      throw new IllegalStateException("run through failsafe: the sluice.jar property is not set");
    }
    return Path.of(jar);
  }
}
