package dev.sluice.bench.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Redis command-line tools ({@code redis-cli}, {@code redis-benchmark} from {@code PATH}):
 * capturing the exact command a client sends, and replaying it with {@code redis-benchmark}.
 */
final class RedisTools {

  private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

  private RedisTools() {}

  /**
   * The first {@code EVALSHA} command the server receives while {@code action} runs, as its
   * arguments ({@code [EVALSHA, sha, numkeys, keys..., args...]}), seen through {@code MONITOR}.
   */
  static List<String> captureEvalsha(int port, Runnable action) throws Exception {
    Process monitor = new ProcessBuilder("redis-cli", "-h", "127.0.0.1", "-p",
        Integer.toString(port), "monitor").redirectErrorStream(true).start();
    try {
      BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            lines.offer(line);
          }
        } catch (IOException e) {
          // the monitor was stopped
        }
      }, "redis-cli-monitor");
      reader.setDaemon(true);
      reader.start();
      String first = lines.poll(10, TimeUnit.SECONDS);
      if (!"OK".equals(first)) {
        throw new IllegalStateException("redis-cli monitor answered " + first);
      }
      action.run();
      for (;;) {
        String line = lines.poll(10, TimeUnit.SECONDS);
        if (line == null) {
          throw new IllegalStateException("no EVALSHA seen by MONITOR");
        }
        List<String> args = parseMonitorLine(line);
        if (!args.isEmpty() && args.get(0).equalsIgnoreCase("EVALSHA")) {
          return args;
        }
      }
    } finally {
      monitor.destroy();
      monitor.waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** {@code 1700000000.000000 [0 127.0.0.1:5000] "EVALSHA" "ab.." "1"} → its arguments. */
  static List<String> parseMonitorLine(String line) {
    int bracket = line.indexOf("] ");
    List<String> args = new ArrayList<>();
    if (bracket < 0) {
      return args;
    }
    Matcher m = QUOTED.matcher(line.substring(bracket + 2));
    while (m.find()) {
      args.add(unescape(m.group(1)));
    }
    return args;
  }

  private static String unescape(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        if (n == 'x' && i + 2 < s.length()) {
          sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
        } else {
          sb.append(switch (n) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            default -> n;
          });
        }
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * Calls per second of {@code redis-benchmark -P 16} running {@code command} {@code requests}
   * times from {@code clients} connections; with {@code randomKeys > 0}, {@code __rand_int__} in
   * the command takes values below it ({@code -r}).
   */
  static double benchmark(int port, int clients, int requests, int randomKeys,
      List<String> command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
        Integer.toString(port), "-c", Integer.toString(clients), "-n",
        Integer.toString(requests), "-P", "16", "--csv"));
    if (randomKeys > 0) {
      cmd.addAll(List.of("-r", Integer.toString(randomKeys)));
    }
    cmd.addAll(command);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("redis-benchmark failed: " + out);
    }
    for (String line : out.lines().toList()) {
      List<String> fields = new ArrayList<>();
      Matcher m = QUOTED.matcher(line);
      while (m.find()) {
        fields.add(m.group(1));
      }
      if (fields.size() >= 2 && !fields.get(0).equals("test")) {
        return Double.parseDouble(fields.get(1));
      }
    }
    throw new IllegalStateException("no rate in redis-benchmark's output: " + out);
  }

  /** Whether {@code tool} is an executable file in a directory of {@code PATH}. */
  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null && Arrays.stream(path.split(File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  /** Pins every thread of process {@code pid} (and the threads it starts) to {@code cpu}. */
  static void pin(long pid, int cpu) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("taskset", "-a", "-cp", Integer.toString(cpu),
        Long.toString(pid)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("taskset failed (pin=false runs without it): " + out);
    }
  }

  /** The first line of {@code command}'s output, e.g. a version. */
  static String firstLine(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out.lines().findFirst().orElse("").trim();
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }
}
