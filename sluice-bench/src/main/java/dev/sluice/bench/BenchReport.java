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
    oneResource(results, out);
    growth(results, out);
    algorithms(results, out);
    parts(results, out);
    System.out.print(out);
  }

  static void read(Path file, Map<String, Result> pooled) throws IOException {
    for (JsonNode r : new ObjectMapper().readTree(file.toFile())) {
      Map<String, String> params = new LinkedHashMap<>();
      r.path("params").properties()
          .forEach(e -> params.put(e.getKey(), e.getValue().asText()));
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

    out.append("\n### Sluice ÷ rival — ratio of medians (ratio of best iterations), against"
            + " the targets\n\n")
        .append("Targets: one hot key admitting, ≥ 1.5× Bucket4j and ≥ 1.2× the faster of"
            + " Resilience4j and Guava; one hot key denying, ahead of all three; 100,000 keys,"
            + " ≥ 2× Bucket4j in every mix and ahead of Guava when every call re-creates its key"
            + " (`ADMIT_REFILLED`).\n\n")
        .append("| Sluice | threads | keys | mix | ÷ Bucket4j | ÷ Resilience4j | ÷ Guava |"
            + " target | met? |\n")
        .append("|---|---:|---:|---|---:|---:|---:|---|---|\n");
    for (String contender : List.of("sluice", "sluiceGcra")) {
      for (Result s0 : sluice) {
        Result s = contender.equals("sluice") ? s0
            : find(all, "RateLimiterComparison." + contender, s0);
        if (s == null) {
          continue;
        }
        out.append(String.format(Locale.ROOT, "| %s | %d | %d | %s |",
            contender.equals("sluice") ? "token bucket" : "GCRA", s.threads, s.keys(),
            s.param("mix")));
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (String rival : RIVALS) {
          Result r = find(all, "RateLimiterComparison." + rival, s0);
          if (r == null) {
            out.append(" – |");
            continue;
          }
          ratios.put(rival, s.median() / r.median());
          out.append(String.format(Locale.ROOT, " %.2f (%.2f) |", s.median() / r.median(),
              s.max() / r.max()));
        }
        String[] target = target(s.keys(), s.param("mix"), ratios);
        out.append(' ').append(target[0]).append(" | ").append(target[1]).append(" |\n");
      }
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

  /** The target for one row, and whether the medians meet it. */
  private static String[] target(int keys, String mix, Map<String, Double> ratios) {
    double b4j = ratios.getOrDefault("bucket4j", Double.NaN);
    double r4j = ratios.getOrDefault("resilience4j", Double.NaN);
    double guava = ratios.getOrDefault("guava", Double.NaN);
    if (keys == 1 && mix.equals("ADMIT")) {
      boolean met = b4j >= 1.5 && Math.min(r4j, guava) >= 1.2;
      return new String[] {"≥ 1.5× B4j, ≥ 1.2× R4j and Guava", met ? "yes" : "**no**"};
    }
    if (keys == 1) {
      boolean met = b4j >= 1 && r4j >= 1 && guava >= 1;
      return new String[] {"ahead of all three", met ? "yes" : "**no**"};
    }
    if (mix.equals("ADMIT_REFILLED")) {
      boolean met = b4j >= 2 && guava >= 1;
      return new String[] {"≥ 2× B4j, ahead of Guava", met ? "yes" : "**no**"};
    }
    return new String[] {"≥ 2× B4j", b4j >= 2 ? "yes" : "**no**"};
  }

  private static void oneResource(List<Result> all, StringBuilder out) {
    List<Result> rows = all.stream()
        .filter(r -> r.benchmark.startsWith(PKG + "OneResourceComparison."))
        .sorted(Comparator.comparingInt((Result r) -> r.threads)
            .thenComparing(r -> r.param("mix")).thenComparing(Result::method))
        .toList();
    if (rows.isEmpty()) {
      return;
    }
    out.append("### One resource, no keys: throughput, ops/s — median [worst – best]\n\n")
        .append("| threads | mix | contender | ops/s | ÷ Sluice keyed | bytes/op | admitted |\n")
        .append("|---:|---|---|---:|---:|---:|---:|\n");
    for (Result r : rows) {
      Result keyed = all.stream()
          .filter(k -> k.benchmark.equals(PKG + "OneResourceComparison.sluiceKeyed")
              && k.threads == r.threads && k.params.equals(r.params))
          .findFirst().orElse(null);
      out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s |\n",
          r.threads, r.param("mix"), r.method(), score(r),
          keyed == null ? "–" : String.format(Locale.ROOT, "%.2f", r.median() / keyed.median()),
          bytes(r.allocPerOp()), percent(r.admittedShare())));
    }
    out.append('\n');
  }

  private static void growth(List<Result> all, StringBuilder out) {
    List<Result> rows = all.stream()
        .filter(r -> r.benchmark.startsWith(PKG + "KeyCountGrowth."))
        .sorted(Comparator.comparing(Result::method).thenComparingInt(Result::keys))
        .toList();
    if (rows.isEmpty()) {
      return;
    }
    out.append("### Cost as keys grow (1 thread), ns per decision — median [best – worst]\n\n")
        .append("| contender | keys | ns/op | ÷ the 1,000-key figure (target ≤ 1.5 for Sluice)"
            + " |\n")
        .append("|---|---:|---:|---:|\n");
    for (Result r : rows) {
      Result base = rows.stream().filter(b -> b.method().equals(r.method()) && b.keys() == 1000)
          .findFirst().orElse(null);
      out.append(String.format(Locale.ROOT, "| %s | %,d | %.1f [%.1f – %.1f] | %s |\n",
          r.method(), r.keys(), r.median(), r.min(), r.max(),
          base == null ? "–" : String.format(Locale.ROOT, "%.2f", r.median() / base.median())));
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
