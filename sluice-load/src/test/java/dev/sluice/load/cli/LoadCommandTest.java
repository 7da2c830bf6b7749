package dev.sluice.load.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.ServerConfig;
import dev.sluice.server.SluiceServer;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice load} run in process: bad input, and a real run against a real service. */
class LoadCommandTest {

  record Result(int code, String out, String err) {}

  static Result load(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = LoadMain.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  static void assertUsageError(Result r, String message) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("sluice load: " + message + "\n"
        + "Try 'sluice load --help' for the options.\n");
    assertThat(r.out()).isEmpty();
  }

  static final String HEADER = "Invalid value for option '--header' ('NAME: VALUE'): ";

  @Test
  void badInputNamesTheOptionAndExitsTwo(@TempDir Path dir) {
    String url = "http://127.0.0.1:9/";
    assertUsageError(load("--rate", "2000/fortnight", url),
        "Invalid value for option '--rate': '2000/fortnight': unknown unit 'fortnight';"
            + " use s, sec, second, m, min, minute, h or hour");
    assertUsageError(load("--rate", "lots", url),
        "Invalid value for option '--rate': 'lots': expected COUNT/UNIT such as 2000/min,"
            + " 50/s or 300/30s");
    assertUsageError(load(url), "Missing required option: '--rate=RATE'");
    assertUsageError(load("--rate", "10/s", "ftp://example.com/"),
        "Invalid value for positional parameter at index 0 (URL): 'ftp://example.com/':"
            + " expected an http:// or https:// URL with a host, such as"
            + " http://127.0.0.1:8080/path");
    assertUsageError(load("--rate", "10/s", "http://exa mple/"),
        "Invalid value for positional parameter at index 0 (URL): 'http://exa mple/':"
            + " Illegal character in authority at index 7: http://exa mple/");
    assertUsageError(load("--rate", "10/s", "-H", "NoColon", url),
        HEADER + "'NoColon': expected a name, ':' and a value");
    assertUsageError(load("--rate", "10/s", "-H", "Bad Name: x", url),
        HEADER + "'Bad Name: x': 'Bad Name' is not a valid"
            + " header name");
    assertUsageError(load("--rate", "10/s", "--header", "Host: example.com", url),
        HEADER + "'Host: example.com': restricted header name:"
            + " \"Host\" (the HTTP client sets it)");
    assertUsageError(load("--rate", "10/s", "--user", "alice", url),
        "Invalid value for option '--user': expected USER:PASSWORD");
    assertUsageError(load("--rate", "10/s", "--duration", "soon", url),
        "Invalid value for option '--duration': 'soon': expected a number with ms, s, m or h,"
            + " such as 30s or 2m");
    assertUsageError(load("--rate", "10/s", "--duration", "0s", url),
        "Invalid value for option '--duration': '0s': expected over 0 and at most 24h");
    assertUsageError(load("--rate", "10/s", "--concurrency", "0", "--out",
            dir.resolve("c").toString(), url),
        "Invalid value for option '--concurrency': 0: expected 1..100000");
    assertUsageError(load("--rate", "10/s", "--concurrency", "many", url),
        "Invalid value for option '--concurrency': 'many' is not an int");
    assertUsageError(load("--rate", "10/s", "--body", "@" + dir.resolve("missing.json"), url),
        "Invalid value for option '--body': '@" + dir.resolve("missing.json")
            + "': cannot read " + dir.resolve("missing.json") + " (NoSuchFileException)");
    assertThat(dir.resolve("c")).doesNotExist();
  }

  @Test
  void nothingAnsweringExitsOneWithTheResultsWritten(@TempDir Path dir) {
    Result r = load("--rate", "10/s", "--duration", "200ms", "--out",
        dir.toString(), "http://127.0.0.1:9/");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("errors          2  (connection refused x2)");
    assertThat(r.err()).endsWith("sluice load: no request got a response:"
        + " {connection refused=2}\n");
    assertThat(dir.resolve("load.csv")).exists();
  }

  @Test
  void loadsARealServiceAndWritesSummaryCsvAndPng(@TempDir Path dir) throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rules.resolve("load.yaml"), String.join("\n",
        "domain: load",
        "descriptors:",
        "  - key: user",
        "    rate_limit: {unit: hour, requests_per_unit: 5, algorithm: TOKEN_BUCKET}",
        ""));
    Path body = dir.resolve("body.json");
    Files.writeString(body, "{\"domain\":\"load\",\"descriptors\":[{\"entries\":"
        + "[{\"key\":\"user\",\"value\":\"alice\"}]}]}");
    SluiceServer server = SluiceServer.start(ServerConfig.resolve(Map.of("http-port", "0",
        "grpc-port", "0", "admin-port", "0", "rules", rules.toString()), Map.of(), null));
    try {
      Path out = dir.resolve("out");
      Result r = load("--rate", "20/s", "--duration", "1s",
          "--concurrency", "4", "-H", "Content-Type: application/json", "--body", "@" + body,
          "--out", out.toString(), "http://127.0.0.1:" + server.httpPort() + "/json");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).startsWith("sluice load: POST http://127.0.0.1:" + server.httpPort()
          + "/json at 20/s for 1.0 s (concurrency 4), results in " + out + "\n");
      // a token bucket of 5 per hour: exactly 5 of the 20 pass
      List<String> lines = r.out().lines().toList();
      assertThat(lines.get(0)).isEqualTo("POST http://127.0.0.1:" + server.httpPort()
          + "/json at 20/s for 1s (concurrency 4)");
      assertThat(lines.get(1)).startsWith("sent           20  (");
      assertThat(lines.subList(2, 5)).containsExactly("allowed         5  (2xx)",
          "denied         15  (429)", "errors          0");
      assertThat(lines.get(5)).startsWith("latency  p50 ").endsWith(
          " ms  (from the scheduled send time)");
      assertThat(lines.get(6)).isEqualTo("results  " + out.resolve("load.csv") + ", "
          + out.resolve("load.png"));
      assertThat(Files.readString(out.resolve("summary.txt")))
          .isEqualTo(String.join("\n", lines.subList(0, 6)) + "\n");

      List<String> csv = Files.readAllLines(out.resolve("load.csv"));
      assertThat(csv.get(0)).isEqualTo("t_s,sent,allowed,denied,errors,p50_ms,p99_ms");
      assertThat(csv).hasSize(2);
      assertThat(csv.get(1)).startsWith("0,20,5,15,0,");
      BufferedImage png = ImageIO.read(out.resolve("load.png").toFile());
      assertThat(png.getWidth()).isEqualTo(1000);
      assertThat(png.getHeight()).isEqualTo(840);
    } finally {
      server.close();
    }
  }
}
