package dev.sluice.server.gateway;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway (nginx, Caddy) run by a test as its own process from the Debian package's binary:
 * output to a log file in the test's directory, ready once its port accepts connections, stopped
 * by pid (SIGTERM, then SIGKILL) with every process it started.
 */
public final class GatewayProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final List<Path> logs;

  private GatewayProcess(String name, Process process, List<Path> logs) {
    this.name = name;
    this.process = process;
    this.logs = logs;
  }

  /**
   * The binary, which must be installed: a missing one fails the test with how to install it,
   * never skips it. Also for the other programs the tests run from Debian packages (Chromium).
   */
  public static Path binary(String path, String debianPackage) {
    Path p = Path.of(path);
    if (!Files.isExecutable(p)) {
      throw new AssertionError(debianPackage + " is not installed (no " + path + "): these tests"
          + " run the real " + debianPackage + "; install it with `apt-get install -y "
          + debianPackage + "` (.ci/run does)");
    }
    return p;
  }

  /** A port free on 127.0.0.1 now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Starts {@code command} in {@code dir} and waits until 127.0.0.1:{@code port} accepts; its
   * output, and the log files {@code logs} it writes, are shown when it fails.
   */
  static GatewayProcess start(String name, Path dir, List<String> command,
      Map<String, String> env, int port, Path... logs) throws IOException, InterruptedException {
    Path log = dir.resolve(name + ".out");
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    List<Path> all = new java.util.ArrayList<>(List.of(log));
    all.addAll(List.of(logs));
    GatewayProcess g = new GatewayProcess(name, pb.start(), List.copyOf(all));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      if (!g.process.isAlive()) {
        throw new AssertionError(name + " exited with " + g.process.exitValue() + " at start: "
            + g.output());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return g;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          g.close();
          throw new AssertionError(name + " is not listening on 127.0.0.1:" + port
              + " after 20 s: " + g.output());
        }
        Thread.sleep(50);
      }
    }
  }

  /** What the process wrote so far, its output and its log files. */
  String output() {
    StringBuilder out = new StringBuilder();
    for (Path log : logs) {
      out.append("\n--- ").append(log.getFileName()).append(":\n");
      try {
        out.append(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "");
      } catch (IOException e) {
        out.append("(cannot read: ").append(e).append(')');
      }
    }
    return out.toString();
  }

  /** Stops the process by pid, and any process it started (nginx's workers) by theirs. */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      for (ProcessHandle c : children) {
        if (c.isAlive()) {
          c.destroy();
          c.onExit().get(10, TimeUnit.SECONDS);
        }
      }
    } catch (Exception e) {
      children.forEach(ProcessHandle::destroyForcibly);
      throw new AssertionError(name + " did not stop: " + e, e);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
