package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns the JMH JSON files of one run.sh run into the Markdown tables of docs/benchmarks.md.
 *
 * <p>Results of the same benchmark, thread count and parameters (from several rounds) are pooled:
 * each score is the median of all their measurement iterations, shown with the worst and best
 * iteration. On a shared machine other work only ever slows a benchmark down, so the median is
 * robust to a few disturbed iterations and the best iteration shows what the code can do. Sluice's
 * ratio to each rival is given for both; allocation per call comes from {@code -prof gc} and the
 * admitted share from {@link Admissions}, proving each {@link Mix}.
 *
 * <pre>java -cp benchmarks.jar dev.sluice.bench.BenchReport bench-results/&lt;run&gt;</pre>
 */
public final class BenchReport {
  private static final String PKG = "dev.sluice.bench.";
  private static final List<String> RIVALS = List.of("bucket4j", "resilience4j", "guava");
  /** Sluice's throughput targets against each rival. */
  private static final Map<String, Double> TARGETS =
      Map.of("bucket4j", 1.5, "resilience4j", 1.0, "guava", 1.0);

  private BenchReport() {}

  /** One benchmark at one thread count and set of parameters, pooled over every file. */
  static final class Result {
    final String benchmark;
    final int threads;
    final Map<String, String> params;
    final List<Double> iterations = new ArrayList<>();
    double allocSum;
    int allocCount;
    double allowed;
    double denied;

    Result(String benchmark, int threads, Map<String, String> params) {
      this.benchmark = benchmark;
      this.threads = threads;
      this.params = params;
    }

    String param(String name) {
      return params.getOrDefault(name, "");
    }

    String method() {
      return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    int keys() {
      String k = param("keys");
      return k.isEmpty() ? 0 : Integer.parseInt(k);
    }

    double median() {
      List<Double> s = iterations.stream().sorted().toList();
      int n = s.size();
      return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    double min() {
      return iterations.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
      return iterations.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    double allocPerOp() {
      return allocCount == 0 ? Double.NaN : allocSum / allocCount;
    }

    /** Share of calls admitted, from the Admissions counters; NaN where not counted. */
    double admittedShare() {
      return allowed / (allowed + denied);
    }
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "bench-results/latest");
    Map<String, Result> pooled = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        read(file, pooled);
      }
    }
    List<Result> results = new ArrayList<>(pooled.values());
    StringBuilder out = new StringBuilder();
    comparison(results, out);
    algorithms(results, out);
    parts(results, out);
    System.out.print(out);
  }

  static void read(Path file, Map<String, Result> pooled) throws IOException {
    for (JsonNode r : new ObjectMapper().readTree(file.toFile())) {
      Map<String, String> params = new LinkedHashMap<>();
      r.path("params").fields()
          .forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
      String benchmark = r.path("benchmark").asText();
      int threads = r.path("threads").asInt();
      Result result = pooled.computeIfAbsent(benchmark + "|" + threads + "|" + params,
          k -> new Result(benchmark, threads, params));
      for (JsonNode fork : r.path("primaryMetric").path("rawData")) {
        for (JsonNode iteration : fork) {
          result.iterations.add(iteration.asDouble());
        }
      }
      JsonNode secondary = r.path("secondaryMetrics");
      double alloc = number(secondary.path("gc.alloc.rate.norm").path("score"));
      if (!Double.isNaN(alloc)) {
        result.allocSum += alloc;
        result.allocCount++;
      }
      result.allowed += number(secondary.path("allowed").path("score"));
      result.denied += number(secondary.path("denied").path("score"));
    }
  }

  private static double number(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN; // JMH writes "NaN" as a string
  }

  private static void comparison(List<Result> all, StringBuilder out) {
    List<Result> sluice = all.stream()
        .filter(r -> r.benchmark.equals(PKG + "RateLimiterComparison.sluice"))
        .sorted(Comparator.comparingInt((Result r) -> r.threads)
            .thenComparingInt(Result::keys)
            .thenComparing(r -> Mix.valueOf(r.param("mix"))))
        .toList();
    if (sluice.isEmpty()) {
      return;
    }
    out.append("### Token bucket: throughput, ops/s — median [worst – best iteration]\n\n")
        .append("| threads | keys | mix | Sluice | Bucket4j | Resilience4j | Guava | admitted |\n")
        .append("|---:|---:|---|---:|---:|---:|---:|---:|\n");
    for (Result s : sluice) {
      out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s |", s.threads, s.keys(),
          s.param("mix"), score(s)));
      StringBuilder admitted = new StringBuilder(percent(s.admittedShare()));
      for (String rival : RIVALS) {
        Result r = find(all, "RateLimiterComparison." + rival, s);
        out.append(' ').append(r == null ? "–" : score(r)).append(" |");
        if (r != null && !percent(r.admittedShare()).contentEquals(admitted)) {
          admitted.append(" / ").append(percent(r.admittedShare())); // differs: show it
        }
      }
      out.append(' ').append(admitted).append(" |\n");
    }

    out.append("\n### Token bucket: Sluice ÷ rival — ratio of medians (ratio of best"
            + " iterations); target met on the median?\n\n")
        .append("| threads | keys | mix | ÷ Bucket4j (≥ 1.5) | ÷ Resilience4j (≥ 1) |"
            + " ÷ Guava (≥ 1) |\n")
        .append("|---:|---:|---|---:|---:|---:|\n");
    for (Result s : sluice) {
      out.append(String.format(Locale.ROOT, "| %d | %d | %s |", s.threads, s.keys(),
          s.param("mix")));
      for (String rival : RIVALS) {
        Result r = find(all, "RateLimiterComparison." + rival, s);
        if (r == null) {
          out.append(" – |");
          continue;
        }
        double ratio = s.median() / r.median();
        boolean met = ratio >= TARGETS.get(rival);
        out.append(String.format(Locale.ROOT, " %.2f (%.2f) %s |", ratio, s.max() / r.max(),
            met ? "yes" : "**no**"));
      }
      out.append('\n');
    }

    out.append("\n### Token bucket: allocation per call, bytes/op (-prof gc)\n\n")
        .append("| threads | keys | mix | Sluice | Bucket4j | Resilience4j | Guava |\n")
        .append("|---:|---:|---|---:|---:|---:|---:|\n");
    for (Result s : sluice) {
      out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s |", s.threads, s.keys(),
          s.param("mix"), bytes(s.allocPerOp())));
      for (String rival : RIVALS) {
        Result r = find(all, "RateLimiterComparison." + rival, s);
        out.append(' ').append(r == null ? "–" : bytes(r.allocPerOp())).append(" |");
      }
      out.append('\n');
    }
    out.append('\n');
  }

  private static void algorithms(List<Result> all, StringBuilder out) {
    List<Result> rows = all.stream()
        .filter(r -> r.benchmark.equals(PKG + "SluiceAlgorithms.tryAcquire"))
        .sorted(Comparator.comparingInt((Result r) -> r.threads)
            .thenComparingInt(Result::keys)
            .thenComparing(r -> Mix.valueOf(r.param("mix")))
            .thenComparing(r -> dev.sluice.Algorithm.valueOf(r.param("algorithm"))))
        .toList();
    if (rows.isEmpty()) {
      return;
    }
    out.append("### Sluice algorithms (memory backend), ops/s — median [worst – best]\n\n")
        .append("| threads | keys | mix | algorithm | ops/s | bytes/op | admitted |\n")
        .append("|---:|---:|---|---|---:|---:|---:|\n");
    for (Result r : rows) {
      out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s | %s |\n", r.threads,
          r.keys(), r.param("mix"), r.param("algorithm"), score(r), bytes(r.allocPerOp()),
          percent(r.admittedShare())));
    }
    out.append('\n');
  }

  private static void parts(List<Result> all, StringBuilder out) {
    List<Result> rows = all.stream()
        .filter(r -> r.benchmark.startsWith(PKG + "SluiceHotPathParts."))
        .toList();
    if (rows.isEmpty()) {
      return;
    }
    out.append("### Pieces of a Sluice decision (1 thread), ns/op — median [best – worst]\n\n")
        .append("| piece | keys | ns/op | bytes/op |\n")
        .append("|---|---:|---:|---:|\n");
    for (Result r : rows) {
      out.append(String.format(Locale.ROOT, "| %s | %s | %.1f [%.1f – %.1f] | %s |\n",
          r.method(), r.param("keys"), r.median(), r.min(), r.max(), bytes(r.allocPerOp())));
    }
    out.append('\n');
  }

  /** The rival's result at the same thread count, keys and mix as {@code like}. */
  private static Result find(List<Result> all, String benchmark, Result like) {
    return all.stream()
        .filter(r -> r.benchmark.equals(PKG + benchmark) && r.threads == like.threads
            && r.params.equals(like.params))
        .findFirst().orElse(null);
  }

  private static String score(Result r) {
    return String.format(Locale.ROOT, "%s [%s – %s]", millions(r.median()), millions(r.min()),
        millions(r.max()));
  }

  private static String millions(double opsPerSecond) {
    return String.format(Locale.ROOT, "%.2f M", opsPerSecond / 1e6);
  }

  private static String bytes(double b) {
    return Double.isNaN(b) ? "–" : String.format(Locale.ROOT, "%.0f", b);
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }
}
