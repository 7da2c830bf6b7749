package dev.sluice.bench.distributed;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.eventual.FirstSight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Runs the fleet simulation over a grid of sync intervals, for every algorithm and both first-sight
 * settings, prints markdown tables (a summary of the overshoot, then every run in full) and writes
 * a chart of the overshoot against the sync interval.
 *
 * <pre>
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.distributed.FleetSimulationMain \
 *     [chart.png [--quick]]   (default docs/distributed-overshoot.png; --quick: 100 ms only)
 * </pre>
 */
public final class FleetSimulationMain {

  static final long[] INTERVALS_MS = {10, 25, 50, 100, 200, 500};

  private FleetSimulationMain() {}

  /** The configuration reported in docs/distributed.md, at a 100 ms sync interval. */
  static FleetSimulation.Config base(Algorithm algorithm, FirstSight firstSight) {
    return new FleetSimulation.Config(100, 10, 1.0, 1.0, 5_000,
        Limit.of(100, Duration.ofSeconds(1), algorithm), Duration.ofMillis(100),
        Duration.ofMillis(1), Duration.ofSeconds(30), firstSight, 42);
  }

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Path chartPath = Path.of(args.length > 0 ? args[0] : "docs/distributed-overshoot.png");
    boolean quick = args.length > 1 && args[1].equals("--quick");
    long[] intervals = quick ? new long[] {100} : INTERVALS_MS;
    XYChart chart = new XYChartBuilder().width(900).height(560)
        .title("Eventual mode: 100 instances against one exact limiter (simulated)")
        .xAxisTitle("sync interval (ms)")
        .yAxisTitle("admitted beyond the exact limiter (% of it)").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    FleetSimulation.Config first = base(Algorithm.FIXED_WINDOW, FirstSight.SYNC);
    System.out.printf(Locale.ROOT, "%d instances (Zipf %.1f), %d keys (Zipf %.1f), %,.0f requests/s"
            + " in total, limit %s per key, one-way delay %d ms, %d s simulated, seed %d%n%n",
        first.instances(), first.instanceSkew(), first.keys(), first.keySkew(),
        first.arrivalsPerSecond(), first.limit(), first.delay().toMillis(),
        first.duration().toSeconds(), first.seed());
    Map<String, FleetSimulation.Result> results = new LinkedHashMap<>();
    StringBuilder details = new StringBuilder();
    for (FirstSight firstSight : List.of(FirstSight.SYNC, FirstSight.LOCAL)) {
      for (Algorithm algorithm : Algorithm.values()) {
        String name = algorithm + ", first sight " + firstSight;
        details.append("### ").append(name).append("\n\n")
            .append("| sync interval | decisions | exact limiter admits | fleet admits | overshoot"
                + " | overshoot % | bound per onset | store calls / 1000 decisions | direct"
                + " decisions | leased | returned | lapsed |\n")
            .append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Double> xs = new ArrayList<>();
        List<Double> measured = new ArrayList<>();
        List<Double> bound = new ArrayList<>();
        for (long ms : intervals) {
          FleetSimulation.Result r = FleetSimulation.run(base(algorithm, firstSight)
              .withSyncInterval(Duration.ofMillis(ms)));
          results.put(name + "@" + ms, r);
          details.append(String.format(Locale.ROOT, "| %d ms | %,d | %,d | %,d | %,d | %.1f %% |"
                  + " %,.0f | %.1f | %,d | %,d | %,d | %,d |%n", ms, r.decisions(), r.exact(),
              r.admitted(), r.overshoot(), r.overshootPercent(), r.bound(),
              r.callsPerThousand(), r.storeDecisions(), r.leased(), r.returned(), r.lapsed()));
          xs.add((double) ms);
          measured.add(r.overshootPercent());
          bound.add(r.exact() == 0 ? 0 : 100.0 * r.bound() / r.exact());
        }
        details.append("\n");
        if (firstSight == FirstSight.SYNC || algorithm == Algorithm.FIXED_WINDOW
            || algorithm == Algorithm.TOKEN_BUCKET) {
          chart.addSeries(name, xs, measured).setMarker(firstSight == FirstSight.SYNC
              ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
        }
        if (algorithm == Algorithm.FIXED_WINDOW && firstSight == FirstSight.SYNC) {
          chart.addSeries("bound per onset", xs, bound).setMarker(SeriesMarkers.NONE);
        }
      }
    }
    // The summary: overshoot in % of the exact limiter, per sync interval.
    StringBuilder head = new StringBuilder("| first sight | algorithm |");
    StringBuilder rule = new StringBuilder("|---|---|");
    for (long ms : intervals) {
      head.append(' ').append(ms).append(" ms |");
      rule.append("---:|");
    }
    System.out.println(head);
    System.out.println(rule);
    for (FirstSight firstSight : List.of(FirstSight.SYNC, FirstSight.LOCAL)) {
      for (Algorithm algorithm : Algorithm.values()) {
        StringBuilder row = new StringBuilder("| " + firstSight + " | " + algorithm + " |");
        for (long ms : intervals) {
          FleetSimulation.Result r = results.get(algorithm + ", first sight " + firstSight + "@"
              + ms);
          row.append(String.format(Locale.ROOT, " %+.1f %% |", r.overshootPercent()));
        }
        System.out.println(row);
      }
    }
    System.out.println();
    System.out.print(details);
    Path parent = chartPath.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BitmapEncoder.saveBitmap(chart, chartPath.toString(), BitmapEncoder.BitmapFormat.PNG);
    System.out.println("chart: " + chartPath);
  }
}
