package dev.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load chart keeps sent, allowed and denied visible when their values coincide. */
class LoadChartTest {

  @TempDir Path dir;

  private static LoadReport report(boolean allAllowed) {
    List<LoadReport.Second> seconds = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      // everything allowed, or (second run) everything denied: sent equals one of them
      seconds.add(allAllowed ? new LoadReport.Second(t, 100, 100, 0, 0, 1_000_000, 2_000_000,
          3_000_000) : new LoadReport.Second(t, 100, 0, 100, 0, 1_000_000, 2_000_000, 3_000_000));
    }
    return new LoadReport("POST", URI.create("http://127.0.0.1:1/json"), Rate.parse("100/s"),
        Duration.ofSeconds(20), 8, 2000, allAllowed ? 2000 : 0, allAllowed ? 0 : 2000, 0,
        Map.of(), 1_000_000, 1_500_000, 2_000_000, 3_000_000, 20_000_000_000L, false, seconds);
  }

  /** Pixels of the upper chart within a small distance of {@code color}. */
  private static int pixels(BufferedImage image, Color color) {
    int n = 0;
    for (int y = 40; y < 420; y++) {
      for (int x = 80; x < 900; x++) {
        Color c = new Color(image.getRGB(x, y));
        if (Math.abs(c.getRed() - color.getRed()) + Math.abs(c.getGreen() - color.getGreen())
            + Math.abs(c.getBlue() - color.getBlue()) < 30) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void sentStaysVisibleUnderTheAllowedAndTheDeniedLines() throws Exception {
    for (boolean allowed : new boolean[] {true, false}) {
      Path png = dir.resolve("load-" + allowed + ".png");
      LoadChart.writePng(report(allowed), png);
      BufferedImage image = ImageIO.read(png.toFile());
      // a line across the chart is several hundred pixels long: both must show along it
      assertThat(pixels(image, LoadChart.SENT)).as("sent band").isGreaterThan(1500);
      assertThat(pixels(image, allowed ? LoadChart.ALLOWED : LoadChart.DENIED))
          .as(allowed ? "allowed line" : "denied line").isGreaterThan(300);
    }
  }
}
