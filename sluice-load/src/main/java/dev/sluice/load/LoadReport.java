package dev.sluice.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of a {@link LoadTest} run: totals, exact latency percentiles (nearest rank, from the
 * scheduled send time) and one {@link Second} per second of the schedule.
 *
 * @param method the HTTP method
 * @param uri the target
 * @param rate the arrival rate
 * @param duration how long requests were scheduled for
 * @param concurrency the most requests in flight
 * @param sent requests sent
 * @param allowed 2xx responses
 * @param denied 429 responses
 * @param errors other statuses and requests without a response
 * @param errorKinds the errors by kind ({@code "HTTP 503"}, {@code "timeout"}, ...), most first
 * @param p50Nanos median latency
 * @param p90Nanos 90th percentile latency
 * @param p99Nanos 99th percentile latency
 * @param maxNanos the largest latency
 * @param elapsedNanos from the start until the last response
 * @param stoppedEarly true when {@link LoadTest#stop()} ended the run before its duration
 * @param seconds one row per second of the schedule, by the time requests were due
 */
public record LoadReport(
    String method,
    URI uri,
    Rate rate,
    Duration duration,
    int concurrency,
    long sent,
    long allowed,
    long denied,
    long errors,
    Map<String, Long> errorKinds,
    long p50Nanos,
    long p90Nanos,
    long p99Nanos,
    long maxNanos,
    long elapsedNanos,
    boolean stoppedEarly,
    List<Second> seconds) {

  /** Canonical constructor: copies the collections. */
  public LoadReport {
    errorKinds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(errorKinds));
    seconds = List.copyOf(seconds);
  }

  /**
   * One second of the schedule: the requests due in {@code [t, t + 1)} seconds after the start and
   * how they ended.
   *
   * @param t seconds after the start
   * @param sent requests due (and sent) in this second
   * @param allowed their 2xx responses
   * @param denied their 429 responses
   * @param errors their other statuses and failures
   * @param p50Nanos their median latency (0 when none)
   * @param p99Nanos their 99th percentile latency (0 when none)
   * @param maxNanos their largest latency (0 when none)
   */
  public record Second(int t, long sent, long allowed, long denied, long errors, long p50Nanos,
      long p99Nanos, long maxNanos) {}

  /** The CSV header line. */
  public static final String CSV_HEADER = "t_s,sent,allowed,denied,errors,p50_ms,p99_ms";

  /** One line per second after {@link #CSV_HEADER}; latencies in milliseconds, 3 decimals. */
  public String csv() {
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (Second s : seconds) {
      sb.append(s.t()).append(',').append(s.sent()).append(',').append(s.allowed()).append(',')
          .append(s.denied()).append(',').append(s.errors()).append(',')
          .append(millis(s.p50Nanos(), 3)).append(',').append(millis(s.p99Nanos(), 3))
          .append('\n');
    }
    return sb.toString();
  }

  /** Writes {@link #csv()} to {@code file}. */
  public void writeCsv(Path file) {
    try {
      Files.writeString(file, csv(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The summary, several lines, each ending in a newline. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s %s at %s for %s (concurrency %d)%s%n", method, uri,
        rate, formatDuration(duration), concurrency, stoppedEarly ? ", stopped early" : ""));
    sb.append(String.format(Locale.ROOT, "sent     %8d  (%.1f/s over %.1f s)%n", sent,
        elapsedNanos == 0 ? 0.0 : sent * 1e9 / elapsedNanos, elapsedNanos / 1e9));
    sb.append(String.format(Locale.ROOT, "allowed  %8d  (2xx)%n", allowed));
    sb.append(String.format(Locale.ROOT, "denied   %8d  (429)%n", denied));
    sb.append(String.format(Locale.ROOT, "errors   %8d%s%n", errors, errorKinds.isEmpty() ? ""
        : "  (" + String.join(", ", errorKinds.entrySet().stream()
            .map(e -> e.getKey() + " x" + e.getValue()).toList()) + ")"));
    sb.append(String.format(Locale.ROOT,
        "latency  p50 %s ms  p90 %s ms  p99 %s ms  max %s ms  (from the scheduled send time)%n",
        millis(p50Nanos, 2), millis(p90Nanos, 2), millis(p99Nanos, 2), millis(maxNanos, 2)));
    return sb.toString();
  }

  static String millis(long nanos, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", nanos / 1e6);
  }

  static String formatDuration(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
