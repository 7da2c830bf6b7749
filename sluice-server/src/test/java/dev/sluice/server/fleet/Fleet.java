package dev.sluice.server.fleet;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Several real {@code sluice serve} processes ({@code java -jar} of the shaded jar, as {@code
 * bin/sluice} runs it) on free 127.0.0.1 ports, sharing one rules directory and one set of
 * settings. Instances are started in parallel; {@link #kill(int)} ends one like a crash (SIGKILL by
 * pid) and {@link #restart(int)} starts it again with the same settings; {@link #close()} stops
 * every instance still running by pid (SIGTERM, then SIGKILL).
 */
final class Fleet implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile(
      "serving HTTP on 127\\.0\\.0\\.1:(\\d+), gRPC on 127\\.0\\.0\\.1:(\\d+),"
      + " admin on 127\\.0\\.0\\.1:(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** One service process. */
  static final class Instance {
    final int index;
    final Process process;
    final int httpPort;
    final int grpcPort;
    final int adminPort;
    final Path log;

    Instance(int index, Process process, int httpPort, int grpcPort, int adminPort, Path log) {
      this.index = index;
      this.process = process;
      this.httpPort = httpPort;
      this.grpcPort = grpcPort;
      this.adminPort = adminPort;
      this.log = log;
    }

    long pid() {
      return process.pid();
    }

    boolean alive() {
      return process.isAlive();
    }

    String base() {
      return "http://127.0.0.1:" + httpPort;
    }

    /** The admin port's base URI: {@code /metrics} is there. */
    String adminBase() {
      return "http://127.0.0.1:" + adminPort;
    }

    String logText() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    @Override
    public String toString() {
      return "sluice#" + index + "[pid " + pid() + ", :" + httpPort + (alive() ? "" : ", dead")
          + "]";
    }
  }

  private final Path dir;
  private final Map<String, String> settings;
  private final List<@Nullable Instance> instances;

  private Fleet(Path dir, Map<String, String> settings, int size) {
    this.dir = dir;
    this.settings = Map.copyOf(settings);
    this.instances = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      instances.add(null);
    }
  }

  /**
   * Starts {@code size} instances serving the rules directory {@code rules}, each with {@code
   * settings} (setting name to value, passed as {@code --name value}), and returns once every one
   * has printed its listening line. {@code dir} holds their logs.
   */
  static Fleet start(int size, Path dir, Path rules, Map<String, String> settings) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("rules", rules.toString());
    all.put("http-port", "0");
    all.put("grpc-port", "0");
    all.put("admin-port", "0");
    all.putAll(settings);
    Fleet fleet = new Fleet(dir, all, size);
    List<Launch> launches = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        launches.add(fleet.launch(i));
      }
      for (Launch l : launches) {
        fleet.instances.set(l.index, l.await());
      }
      return fleet;
    } catch (RuntimeException | Error e) {
      launches.forEach(l -> stop(l.process));
      throw e;
    }
  }

  /** A process started and the future of its listening port. */
  private record Launch(int index, Process process, Path log, CompletableFuture<String> line) {
    Instance await() {
      String first;
      try {
        first = line.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("instance " + index + " did not start: " + e
            + "\n" + read(log));
      }
      Matcher m = first == null ? null : LISTENING.matcher(first);
      if (m == null || !m.find()) {
        throw new IllegalStateException("instance " + index + " printed '" + first
            + "' instead of its ports; log:\n" + read(log));
      }
      return new Instance(index, process, Integer.parseInt(m.group(1)),
          Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), log);
    }
  }

  private Launch launch(int index) {
    Path log = dir.resolve("sluice-" + index + "-" + System.nanoTime() + ".log");
    List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx192m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1"));
    // extra JVM options for every instance, e.g. -Dsluice.server.warmUpRequests=0 to measure
    String extra = System.getProperty("sluice.fleet.jvmArgs", "").trim();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.split("\\s+")));
    }
    cmd.addAll(List.of("-jar", shadedJar().toString(), "serve"));
    settings.forEach((k, v) -> {
      cmd.add("--" + k);
      cmd.add(v);
    });
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    pb.environment().remove("MERGE_DOMAIN_CONFIG");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
    CompletableFuture<String> line = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        line.complete(out.readLine());
        while (out.readLine() != null) {
          // drain until the process ends
        }
      } catch (IOException e) {
        line.completeExceptionally(e);
      }
    }, "fleet-stdout-" + index);
    reader.setDaemon(true);
    reader.start();
    return new Launch(index, p, log, line);
  }

  /** The instances, in index order (a killed one stays listed, not alive). */
  List<Instance> instances() {
    List<Instance> out = new ArrayList<>();
    for (Instance i : instances) {
      out.add(java.util.Objects.requireNonNull(i));
    }
    return out;
  }

  Instance get(int index) {
    return java.util.Objects.requireNonNull(instances.get(index));
  }

  int size() {
    return instances.size();
  }

  /** Ends instance {@code index} like a crash: SIGKILL by pid, then waits for it to be gone. */
  void kill(int index) {
    Instance i = get(index);
    ProcessHandle.of(i.pid()).ifPresent(ProcessHandle::destroyForcibly);
    waitFor(i.process, Duration.ofSeconds(10));
    if (i.alive()) {
      throw new IllegalStateException(i + " survived SIGKILL");
    }
  }

  /** Starts instance {@code index} again (new ports), after {@link #kill(int)}. */
  Instance restart(int index) {
    if (get(index).alive()) {
      throw new IllegalStateException(get(index) + " is running");
    }
    Instance i = launch(index).await();
    instances.set(index, i);
    return i;
  }

  /** Restarts every instance that is not running. */
  void reviveAll() {
    for (int i = 0; i < size(); i++) {
      if (!get(i).alive()) {
        restart(i);
      }
    }
  }

  /** Stops every running instance by pid: SIGTERM (graceful), SIGKILL after 10 s. */
  @Override
  public void close() {
    for (Instance i : instances) {
      if (i != null && i.alive()) {
        ProcessHandle.of(i.pid()).ifPresent(ProcessHandle::destroy);
      }
    }
    for (Instance i : instances) {
      if (i != null) {
        stop(i.process);
      }
    }
  }

  private static void stop(Process p) {
    if (p.isAlive()) {
      p.destroy();
      if (!waitFor(p, Duration.ofSeconds(10))) {
        p.destroyForcibly();
        waitFor(p, Duration.ofSeconds(10));
      }
    }
  }

  private static boolean waitFor(Process p, Duration d) {
    try {
      return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static @Nullable Path jarCopy;

  /**
   * A private copy of the shaded jar, made once per test JVM: every instance of a run, restarts
   * included, runs the same bytes even if the build rewrites target/ meanwhile. The property
   * {@code sluice.fleet.jar} (e.g. {@code -DargLine=-Dsluice.fleet.jar=/path/to/other.jar}) runs
   * the fleet from another build instead, to compare.
   */
  static synchronized Path shadedJar() {
    if (jarCopy != null) {
      return jarCopy;
    }
    String jar = System.getProperty("sluice.fleet.jar", System.getProperty("sluice.jar"));
    if (jar == null) {
      throw new IllegalStateException("run through failsafe: the sluice.jar property is not set");
    }
    try {
      Path copy = Files.createTempFile("sluice-fleet-", ".jar");
      Files.copy(Path.of(jar), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      copy.toFile().deleteOnExit();
      jarCopy = copy;
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + jar, e);
    }
  }
}
