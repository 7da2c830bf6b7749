package dev.sluice.load.cli;

import dev.sluice.load.LoadChart;
import dev.sluice.load.LoadReport;
import dev.sluice.load.LoadTest;
import dev.sluice.load.Rate;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code sluice load URL}: an open-model load test ({@link LoadTest}) at a constant arrival rate,
 * with a progress line on stderr once a second, a summary on stdout, and {@code load.csv}, {@code
 * load.png} and {@code summary.txt} in the output directory. Bad input names the option and exits
 * 2; a run in which no request got any response exits 1.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Load a URL at a constant arrival rate; count 2xx, 429 and errors.",
        "Prints a summary with latency percentiles and writes a per-second CSV and a PNG",
        "chart. Open model: request i is due at a fixed time whatever the responses do,",
        "and its latency counts from that time, so a stalled server cannot hide behind",
        "fewer requests."})
final class LoadCommand implements Callable<Integer> {

  @Parameters(paramLabel = "URL", converter = UrlConverter.class,
      description = "The target, http:// or https://.")
  URI url = URI.create("http://127.0.0.1/");

  @Option(names = "--rate", required = true, paramLabel = "RATE", converter = RateConverter.class,
      description = "Arrival rate: COUNT/UNIT, e.g. 2000/min, 50/s, 300/30s"
          + " (units s, sec, second, m, min, minute, h, hour).")
  Rate rate = Rate.of(1, Duration.ofSeconds(1));

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "30s", description = "How long to send for: 500ms, 30s, 2m, 1h"
          + " (default: ${DEFAULT-VALUE}).")
  Duration duration = Duration.ofSeconds(30);

  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "64",
      description = "Most requests in flight; a request due while N are in flight waits, and"
          + " its wait counts as latency (default: ${DEFAULT-VALUE}).")
  int concurrency = 64;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "10s",
      description = "Longest one request may take (default: ${DEFAULT-VALUE}).")
  Duration timeout = Duration.ofSeconds(10);

  @Option(names = {"-X", "--method"}, paramLabel = "METHOD", converter = MethodConverter.class,
      description = "HTTP method (default: GET, or POST with --body).")
  @Nullable String method;

  @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'",
      converter = HeaderConverter.class, description = "A request header; repeatable.")
  List<String[]> headers = new ArrayList<>();

  @Option(names = {"-u", "--user"}, paramLabel = "USER:PASSWORD",
      converter = UserConverter.class, description = "Basic authentication.")
  @Nullable String authorization;

  @Option(names = {"-d", "--body"}, paramLabel = "TEXT|@FILE", converter = BodyConverter.class,
      description = "Request body: the text, or the content of FILE.")
  @Nullable Body body;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Where to write load.csv, load.png and summary.txt"
          + " (default: ./sluice-load-<timestamp>).")
  @Nullable Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (concurrency < 1 || concurrency > 100_000) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "Invalid value for option '--concurrency': " + concurrency + ": expected 1..100000");
    }
    Path dir = out != null ? out : Path.of("sluice-load-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      err.println("sluice load: cannot create --out directory '" + dir + "': " + e);
      return CommandLine.ExitCode.SOFTWARE;
    }

    boolean console = System.console() != null;
    LoadTest.Builder b = LoadTest.builder(url)
        .method(method != null ? method : body != null ? "POST" : "GET")
        .rate(rate).duration(duration).concurrency(concurrency).timeout(timeout)
        .progress(p -> {
          if (console) {
            err.print("\r" + p + "   ");
          } else {
            err.println(p);
          }
          err.flush();
        });
    for (String[] h : headers) {
      b.header(h[0], h[1]);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body != null) {
      b.body(body.bytes());
    }
    LoadTest test = b.build();

    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      test.stop();
      try {
        finished.await(15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "sluice-load-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      err.println("sluice load: " + (method != null ? method : body != null ? "POST" : "GET")
          + " " + url + " at " + rate + " for " + duration.toMillis() / 1000.0 + " s (concurrency "
          + concurrency + "), results in " + dir);
      err.flush();
      LoadReport report = test.run();
      if (console) {
        err.println();
      }
      String summary = report.summary();
      stdout.print(summary);
      try {
        Files.writeString(dir.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
        report.writeCsv(dir.resolve("load.csv"));
        LoadChart.writePng(report, dir.resolve("load.png"));
      } catch (IOException | RuntimeException e) {
        err.println("sluice load: cannot write the results to '" + dir + "': " + e.getMessage());
        return CommandLine.ExitCode.SOFTWARE;
      }
      stdout.println("results  " + dir.resolve("load.csv") + ", " + dir.resolve("load.png"));
      stdout.flush();
      if (report.sent() > 0 && report.errors() == report.sent()) {
        err.println("sluice load: no request got a response: " + report.errorKinds());
        return CommandLine.ExitCode.SOFTWARE;
      }
      return CommandLine.ExitCode.OK;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running; it returns once finished is counted down
      }
    }
  }

  /** An http(s) URL with a host. */
  static final class UrlConverter implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
      URI uri;
      try {
        uri = new URI(value);
      } catch (URISyntaxException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage());
      }
      try {
        LoadTest.builder(uri);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage());
      }
      return uri;
    }
  }

  /** {@link Rate#parse(String)}. */
  static final class RateConverter implements ITypeConverter<Rate> {
    @Override
    public Rate convert(String value) {
      try {
        return Rate.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage());
      }
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = SYNTAX.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new TypeConversionException("'" + value
            + "': expected a number with ms, s, m or h, such as 30s or 2m");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      Duration d = switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
      if (d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
        throw new TypeConversionException("'" + value + "': expected over 0 and at most 24h");
      }
      return d;
    }
  }

  /** A method token. */
  static final class MethodConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!value.matches("[A-Za-z]{1,20}")) {
        throw new TypeConversionException("'" + value + "': expected a method such as GET");
      }
      return value.toUpperCase(Locale.ROOT);
    }
  }

  /** {@code Name: value}, as the JDK's client accepts it. */
  static final class HeaderConverter implements ITypeConverter<String[]> {
    @Override
    public String[] convert(String value) {
      int colon = value.indexOf(':');
      if (colon <= 0) {
        throw new TypeConversionException("'" + value + "': expected a name, ':' and a value");
      }
      String name = value.substring(0, colon).trim();
      String v = value.substring(colon + 1).trim();
      if (name.isEmpty() || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
        throw new TypeConversionException("'" + value + "': '" + name
            + "' is not a valid header name");
      }
      try {
        HttpRequest.newBuilder().header(name, v);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage()
            + " (the HTTP client sets it)");
      }
      return new String[] {name, v};
    }
  }

  /** {@code user:password} to a basic {@code Authorization} value. */
  static final class UserConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      int colon = value.indexOf(':');
      if (colon <= 0) {
        throw new TypeConversionException("expected USER:PASSWORD");
      }
      return "Basic " + Base64.getEncoder().encodeToString(
          value.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A request body. */
  record Body(byte[] bytes) {}

  /** The text, or {@code @FILE}'s bytes. */
  static final class BodyConverter implements ITypeConverter<Body> {
    @Override
    public Body convert(String value) {
      if (!value.startsWith("@")) {
        return new Body(value.getBytes(StandardCharsets.UTF_8));
      }
      Path file = Path.of(value.substring(1));
      try {
        return new Body(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new TypeConversionException("'" + value + "': cannot read " + file + " ("
            + e.getClass().getSimpleName() + ")");
      }
    }
  }
}
