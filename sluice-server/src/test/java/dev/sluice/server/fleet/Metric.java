package dev.sluice.server.fleet;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads values out of a Prometheus text scrape. */
final class Metric {

  private Metric() {}

  /** {@link #sum(String, String, String...)} over every running instance of a fleet. */
  static long fleetSum(Fleet fleet, String name, String... labels) throws Exception {
    long total = 0;
    Load client = new Load(1);
    for (Fleet.Instance i : fleet.instances()) {
      if (i.alive()) {
        total += sum(client.metrics(i), name, labels);
      }
    }
    return total;
  }

  /**
   * The sum of every sample of {@code name} (any labels) whose label text contains every one of
   * {@code labels} (e.g. {@code reason="backend_unavailable"}); 0 when there is none.
   */
  static long sum(String scrape, String name, String... labels) {
    Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})?\\s+(\\S+)",
        Pattern.MULTILINE);
    Matcher m = p.matcher(scrape);
    double total = 0;
    while (m.find()) {
      String labelText = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String l : labels) {
        all &= labelText.contains(l);
      }
      if (all) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return Math.round(total);
  }
}
