package dev.sluice.bench.distributed;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.eventual.FirstSight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Runs the fleet simulation over a grid of sync intervals, for a window limit and a bucket limit,
 * prints a markdown table and writes a chart of the overshoot against the sync interval.
 *
 * <pre>
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.distributed.FleetSimulationMain \
 *     [chart.png]      (default docs/distributed-overshoot.png)
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
    XYChart chart = new XYChartBuilder().width(900).height(520)
        .title("Eventual mode: overshoot of 100 instances vs sync interval (simulated)")
        .xAxisTitle("sync interval (ms)").yAxisTitle("admitted beyond the exact limiter (% of it)")
        .build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    FleetSimulation.Config first = base(Algorithm.FIXED_WINDOW, FirstSight.LOCAL);
    System.out.printf(Locale.ROOT, "%d instances (Zipf %.1f), %d keys (Zipf %.1f), %,.0f requests/s"
            + " in total, limit %s per key, one-way delay %d ms, %d s simulated, seed %d%n%n",
        first.instances(), first.instanceSkew(), first.keys(), first.keySkew(),
        first.arrivalsPerSecond(), first.limit(), first.delay().toMillis(),
        first.duration().toSeconds(), first.seed());
    boolean quick = args.length > 1 && args[1].equals("--quick");
    long[] intervals = quick ? new long[] {100} : INTERVALS_MS;
    for (FirstSight firstSight : List.of(FirstSight.SYNC, FirstSight.LOCAL)) {
    for (Algorithm algorithm : Algorithm.values()) {
      String name = algorithm + ", first sight " + firstSight;
      System.out.println("### " + name);
      System.out.println();
      System.out.println("| sync interval | decisions | exact limiter admits | fleet admits "
          + "| overshoot | overshoot % | bound (per window) | store calls / 1000 decisions "
          + "| direct decisions | leased | returned | lapsed |");
      System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      List<Double> xs = new ArrayList<>();
      List<Double> measured = new ArrayList<>();
      List<Double> bound = new ArrayList<>();
      for (long ms : intervals) {
        FleetSimulation.Config c = base(algorithm, firstSight)
            .withSyncInterval(Duration.ofMillis(ms));
        FleetSimulation.Result r = FleetSimulation.run(c);
        System.out.printf(Locale.ROOT, "| %d ms | %,d | %,d | %,d | %,d | %.1f %% | %,.0f | %.1f"
                + " | %,d | %,d | %,d | %,d |%n",
            ms, r.decisions(), r.exact(), r.admitted(), r.overshoot(), r.overshootPercent(),
            r.bound(), r.callsPerThousand(), r.storeDecisions(), r.leased(), r.returned(),
            r.lapsed());
        xs.add((double) ms);
        measured.add(r.overshootPercent());
        bound.add(r.exact() == 0 ? 0 : 100.0 * r.bound() / r.exact());
      }
      System.out.println();
      chart.addSeries(name, xs, measured).setMarker(SeriesMarkers.CIRCLE);
      if (algorithm == Algorithm.FIXED_WINDOW && firstSight == FirstSight.SYNC) {
        chart.addSeries("bound (window, fresh views)", xs, bound)
            .setMarker(SeriesMarkers.NONE);
      }
    }
    }
    Path parent = chartPath.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BitmapEncoder.saveBitmap(chart, chartPath.toString(), BitmapEncoder.BitmapFormat.PNG);
    System.out.println("chart: " + chartPath);
  }
}
