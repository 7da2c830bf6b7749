package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given fresh library JVMs ({@link ColdStartWorker}: a {@code RedisBackend} built with the default
 * settings, 50 ms timeout and {@code FAIL_OPEN}) on one real Redis, firing 100 decisions each at
 * one key of 50 per minute the moment {@code build()} has returned: the key admits exactly 50 and
 * no decision is degraded, in each of three repetitions with new JVMs. Without the warm-up of
 * {@code build()} the first bursts of a cold JVM outlast the timeout and {@code FAIL_OPEN} admits
 * them (docs/redis.md, "Start", has the numbers).
 */
@ExtendWith(RealRedis.class)
class ColdStartTest {

  static final int LIMIT = 50;
  static final int JVMS = 2;
  static final int BURST = 100;
  static final int REPETITIONS = Integer.getInteger("sluice.coldStart.repetitions", 3);
  /**
   * {@code -DargLine=-Dsluice.coldStart.warmUp=false} builds the workers' backends without the
   * warm-up, to see this test fail as the library did before it had one.
   */
  static final boolean WARM_UP =
      Boolean.parseBoolean(System.getProperty("sluice.coldStart.warmUp", "true"));

  @TempDir Path dir;

  @Test
  void freshJvmsAdmitExactlyTheLimitFromTheFirstDecision(RedisStandalone server)
      throws Exception {
    List<String> runs = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (int rep = 0; rep < REPETITIONS; rep++) {
      String key = "cold:" + rep + ":" + System.nanoTime();
      List<Worker> workers = new ArrayList<>();
      try {
        for (int i = 0; i < JVMS; i++) {
          workers.add(Worker.start(dir, server.uri(), key, WARM_UP));
        }
        List<String> ready = new ArrayList<>();
        for (Worker w : workers) {
          ready.add(w.line());
        }
        for (Worker w : workers) {
          w.send("go");
        }
        int admitted = 0;
        int degraded = 0;
        List<String> results = new ArrayList<>();
        for (Worker w : workers) {
          String[] r = w.line().split(" ");
          results.add(String.join(" ", r));
          admitted += Integer.parseInt(r[0]);
          degraded += Integer.parseInt(r[1]);
        }
        List<String> warmUps = new ArrayList<>();
        for (Worker w : workers) {
          warmUps.add(w.warmUpLine());
        }
        String what = "repetition " + rep + ": " + ready + " (build ms), results " + results
            + " (admitted, degraded, slowest ms), " + warmUps;
        System.out.println("ColdStartTest " + what);
        runs.add(what);
        if (degraded != 0 || admitted != LIMIT) {
          wrong.add(what);
        }
      } finally {
        for (Worker w : workers) {
          w.close();
        }
      }
    }
    // every repetition runs (and is printed) before the verdict
    assertThat(wrong).as("repetitions with a degraded decision or not exactly %d admitted, of %s",
        LIMIT, runs).isEmpty();
  }

  /** One {@link ColdStartWorker} process. */
  record Worker(Process process, BufferedReader out, Writer in, Path log) implements
      AutoCloseable {

    static Worker start(Path dir, String uri, String key, boolean warmUp) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Path log = Files.createTempFile(dir, "worker-", ".log");
      List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC"));
      // extra JVM options, e.g. -Dsluice.redis.warmUpDecisions=1000 to measure what is enough
      String extra = System.getProperty("sluice.coldStart.jvmArgs", "").trim();
      if (!extra.isEmpty()) {
        cmd.addAll(List.of(extra.split("\\s+")));
      }
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
          ColdStartWorker.class.getName(), uri, key, Integer.toString(LIMIT),
          Integer.toString(BURST), "8", Boolean.toString(warmUp)));
      Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
      return new Worker(p, new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8)), new OutputStreamWriter(p.getOutputStream(),
          StandardCharsets.UTF_8), log);
    }

    /** The next line printed, waiting at most 60 s. */
    String line() throws Exception {
      String line = CompletableFuture.supplyAsync(() -> {
        try {
          return out.readLine();
        } catch (IOException e) {
          return null;
        }
      }).get(60, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("worker ended; its log:\n" + Files.readString(log));
      }
      return line.startsWith("READY ") ? line.substring(6) : line;
    }

    /** What its warm-up log line says, or "no warm-up". */
    String warmUpLine() throws IOException {
      for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        int at = l.indexOf("warmed up in ");
        if (at >= 0) {
          return l.substring(at + "warmed up in ".length());
        }
      }
      return "no warm-up";
    }

    void send(String line) throws IOException {
      in.write(line + "\n");
      in.flush();
    }

    @Override
    public void close() throws Exception {
      try {
        send("done");
      } catch (IOException e) {
        // already gone
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
