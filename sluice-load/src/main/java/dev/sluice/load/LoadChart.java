package dev.sluice.load;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a {@link LoadReport} as one PNG (XChart, headless): requests sent and responses per second
 * (allowed, denied, errors) above, latency per second (p50, p99, max) below, both by the second
 * the requests were due.
 *
 * <p>The series often coincide (everything sent is allowed, or denied), so each is drawn to stay
 * visible on top of another: {@code sent} as a wide pale band underneath, {@code allowed} as a
 * solid line, {@code denied} dashed and {@code errors} dotted, each in its own colour.
 */
public final class LoadChart {

  static final Color ALLOWED = new Color(0x2e7d32);
  static final Color DENIED = new Color(0xef6c00);
  private static final Color ERRORS = new Color(0xc62828);
  /** Sent: a wide band, pale enough for the lines drawn over it to show. */
  static final Color SENT = new Color(0x90a4ae);
  private static final BasicStroke BAND = new BasicStroke(9f);
  private static final BasicStroke SOLID = new BasicStroke(2.5f);
  private static final BasicStroke DASHED = new BasicStroke(2.5f, BasicStroke.CAP_BUTT,
      BasicStroke.JOIN_ROUND, 10f, new float[] {10f, 6f}, 0f);
  private static final BasicStroke DOTTED = new BasicStroke(2.5f, BasicStroke.CAP_ROUND,
      BasicStroke.JOIN_ROUND, 10f, new float[] {1f, 6f}, 0f);
  private static final Color MAX = new Color(0x546e7a);

  private LoadChart() {}

  /** Writes the chart of {@code report} to {@code file} (PNG, 1000 x 840). */
  public static void writePng(LoadReport report, Path file) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    // no temporary file cache: it registers a shutdown hook, which fails while the JVM stops
    // (sluice load writes its results after Ctrl-C)
    ImageIO.setUseCache(false);
    List<LoadReport.Second> rows = report.seconds();
    int n = Math.max(1, rows.size());
    double[] t = new double[n];
    double[] sent = new double[n];
    double[] allowed = new double[n];
    double[] denied = new double[n];
    double[] errors = new double[n];
    double[] p50 = new double[n];
    double[] p99 = new double[n];
    double[] max = new double[n];
    for (int i = 0; i < rows.size(); i++) {
      LoadReport.Second s = rows.get(i);
      t[i] = s.t();
      sent[i] = s.sent();
      allowed[i] = s.allowed();
      denied[i] = s.denied();
      errors[i] = s.errors();
      p50[i] = s.p50Nanos() / 1e6;
      p99[i] = s.p99Nanos() / 1e6;
      max[i] = s.maxNanos() / 1e6;
    }

    XYChart counts = new XYChartBuilder().width(1000).height(420)
        .title(String.format(Locale.ROOT,
            "%s %s at %s: sent %d, allowed %d, denied %d, errors %d", report.method(),
            report.uri(), report.rate(), report.sent(), report.allowed(), report.denied(),
            report.errors()))
        .xAxisTitle("seconds (by scheduled send time)").yAxisTitle("responses per second")
        .build();
    style(counts);
    line(counts, "sent", t, sent, SENT, BAND);
    line(counts, "allowed (2xx)", t, allowed, ALLOWED, SOLID);
    line(counts, "denied (429)", t, denied, DENIED, DASHED);
    line(counts, "errors", t, errors, ERRORS, DOTTED);

    XYChart latency = new XYChartBuilder().width(1000).height(380)
        .title(String.format(Locale.ROOT,
            "latency from the scheduled send time: p50 %s ms, p90 %s ms, p99 %s ms, max %s ms",
            LoadReport.millis(report.p50Nanos(), 2), LoadReport.millis(report.p90Nanos(), 2),
            LoadReport.millis(report.p99Nanos(), 2), LoadReport.millis(report.maxNanos(), 2)))
        .xAxisTitle("seconds (by scheduled send time)").yAxisTitle("ms").build();
    style(latency);
    line(latency, "p50", t, p50, ALLOWED, SOLID);
    line(latency, "p99", t, p99, DENIED, DASHED);
    line(latency, "max", t, max, MAX, DOTTED);

    BitmapEncoder.saveBitmap(List.of(counts, latency), 2, 1, file.toString(),
        BitmapEncoder.BitmapFormat.PNG);
  }

  private static void style(XYChart chart) {
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
  }

  private static void line(XYChart chart, String name, double[] x, double[] y, Color color,
      BasicStroke stroke) {
    XYSeries s = chart.addSeries(name, x, y);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color);
    s.setLineStyle(stroke);
  }
}
