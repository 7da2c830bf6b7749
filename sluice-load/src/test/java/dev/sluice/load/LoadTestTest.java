package dev.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LoadTest} against a real HTTP server (the JDK's) on a free port of 127.0.0.1. */
class LoadTestTest {

  HttpServer server;
  final AtomicInteger hits = new AtomicInteger();
  final List<String> seen = new CopyOnWriteArrayList<>();
  final Map<Integer, Long> delayMillisByHit = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    // every third request is refused (429), the tenth is a 503; /slow delays as told
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    int n = hits.incrementAndGet();
    byte[] body = ex.getRequestBody().readAllBytes();
    seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " "
        + ex.getRequestHeaders().getFirst("X-Test") + " "
        + ex.getRequestHeaders().getFirst("Authorization") + " "
        + new String(body, StandardCharsets.UTF_8));
    Long delay = delayMillisByHit.get(n);
    if (delay != null) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int status = n == 10 ? 503 : n % 3 == 0 ? 429 : 200;
    ex.getResponseHeaders().add("X-Hit", Integer.toString(n));
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void sendsExactlyTheScheduledRequestsAndCountsEachOutcome(@TempDir Path dir)
      throws Exception {
    List<Sample> samples = new CopyOnWriteArrayList<>();
    List<String> hitHeaders = new CopyOnWriteArrayList<>();
    List<LoadTest.Progress> progress = new CopyOnWriteArrayList<>();
    LoadReport r = LoadTest.builder(uri("/x?y=1"))
        .method("put").header("X-Test", "a b").header("Authorization", "Basic dTpw")
        .body("hello".getBytes(StandardCharsets.UTF_8))
        .rate(Rate.parse("20/s")).duration(Duration.ofMillis(1500)).concurrency(4)
        .listener((s, h) -> {
          samples.add(s);
          hitHeaders.add(h == null ? "none" : h.firstValue("X-Hit").orElse("?"));
        })
        .progress(progress::add)
        .build().run();

    assertThat(r.sent()).isEqualTo(30);
    assertThat(hits.get()).isEqualTo(30);
    assertThat(seen).allMatch(s -> s.equals("PUT /x?y=1 a b Basic dTpw hello"));
    // hits 3, 6, ..., 30 are 429 (10 of them); hit 10 is a 503
    assertThat(r.denied()).isEqualTo(10);
    assertThat(r.errors()).isEqualTo(1);
    assertThat(r.errorKinds()).isEqualTo(Map.of("HTTP 503", 1L));
    assertThat(r.allowed()).isEqualTo(19);
    assertThat(r.stoppedEarly()).isFalse();
    assertThat(samples).hasSize(30);
    assertThat(hitHeaders).doesNotContain("none", "?");
    assertThat(progress).isNotEmpty();

    // every request was due at its exact offset, and never sent before it
    for (Sample s : samples) {
      assertThat(s.scheduledNanos()).isEqualTo(s.index() * 50_000_000L);
      assertThat(s.sentNanos()).isGreaterThanOrEqualTo(s.scheduledNanos());
      assertThat(s.doneNanos()).isGreaterThanOrEqualTo(s.sentNanos());
      assertThat(s.doneEpochMicros()).isGreaterThanOrEqualTo(s.sentEpochMicros());
      assertThat(s.latencyNanos()).isEqualTo(s.doneNanos() - s.scheduledNanos());
    }
    // one row per second of the schedule, by due time
    assertThat(r.seconds()).hasSize(2);
    assertThat(r.seconds().get(0).sent()).isEqualTo(20);
    assertThat(r.seconds().get(1).sent()).isEqualTo(10);
    assertThat(r.seconds().stream().mapToLong(LoadReport.Second::allowed).sum()).isEqualTo(19);
    assertThat(r.seconds().stream().mapToLong(LoadReport.Second::denied).sum()).isEqualTo(10);
    assertThat(r.p50Nanos()).isPositive().isLessThanOrEqualTo(r.p90Nanos());
    assertThat(r.p90Nanos()).isLessThanOrEqualTo(r.p99Nanos());
    assertThat(r.p99Nanos()).isLessThanOrEqualTo(r.maxNanos());

    String csv = r.csv();
    assertThat(csv).startsWith("t_s,sent,allowed,denied,errors,p50_ms,p99_ms\n");
    assertThat(csv.lines()).hasSize(3);
    assertThat(csv.lines().skip(1).map(l -> l.split(",")[0])).containsExactly("0", "1");
    assertThat(r.summary()).contains("sent           30", "allowed        19  (2xx)",
        "denied         10  (429)", "errors          1  (HTTP 503 x1)", "latency  p50 ");

    Path png = dir.resolve("load.png");
    LoadChart.writePng(r, png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1000);
    assertThat(image.getHeight()).isEqualTo(840);
  }

  @Test
  void aSlowResponseDelaysTheNextRequestAndItsWaitCountsAsLatency() throws Exception {
    // concurrency 1: request 1 (due at 100 ms) cannot go before request 0's 600 ms response
    delayMillisByHit.put(1, 600L);
    List<Sample> samples = new CopyOnWriteArrayList<>();
    LoadReport r = LoadTest.builder(uri("/"))
        .rate(Rate.parse("10/s")).duration(Duration.ofMillis(300)).concurrency(1)
        .listener((s, h) -> samples.add(s)).build().run();
    assertThat(r.sent()).isEqualTo(3);
    Sample second = samples.stream().filter(s -> s.index() == 1).findFirst().orElseThrow();
    assertThat(second.scheduledNanos()).isEqualTo(100_000_000L);
    assertThat(second.sentNanos() - second.scheduledNanos()).isGreaterThanOrEqualTo(500_000_000L);
    assertThat(second.latencyNanos()).isGreaterThanOrEqualTo(500_000_000L);
    assertThat(r.maxNanos()).isGreaterThanOrEqualTo(600_000_000L);
  }

  @Test
  void aRefusedConnectionIsAnErrorNotAnException() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    LoadReport r = LoadTest.builder(URI.create("http://127.0.0.1:" + port + "/"))
        .rate(Rate.parse("10/s")).duration(Duration.ofMillis(200)).build().run();
    assertThat(r.sent()).isEqualTo(2);
    assertThat(r.errors()).isEqualTo(2);
    assertThat(r.errorKinds()).isEqualTo(Map.of("connection refused", 2L));
  }

  @Test
  void stopEndsTheScheduleEarly() throws Exception {
    LoadTest t = LoadTest.builder(uri("/")).rate(Rate.parse("10/s"))
        .duration(Duration.ofSeconds(30)).build();
    Thread stopper = new Thread(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
      t.stop();
    });
    stopper.start();
    LoadReport r = t.run();
    assertThat(r.stoppedEarly()).isTrue();
    assertThat(r.sent()).isBetween(1L, 299L);
    assertThat(r.sent()).isEqualTo(r.allowed() + r.denied() + r.errors());
    assertThatThrownBy(t::run).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void badSettingsSayWhatIsWrong() {
    assertThatThrownBy(() -> LoadTest.builder(URI.create("ftp://host/")))
        .hasMessageStartingWith("expected an http:// or https:// URL with a host");
    assertThatThrownBy(() -> LoadTest.builder(URI.create("http:///nohost")))
        .hasMessageStartingWith("expected an http:// or https:// URL");
    LoadTest.Builder b = LoadTest.builder(uri("/"));
    assertThatThrownBy(() -> b.header("Host", "x")).hasMessageContaining("restricted header name");
    assertThatThrownBy(() -> b.header("X-A", "a\nb")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.concurrency(0)).hasMessageContaining("1..100000");
    assertThatThrownBy(() -> b.method("GE T")).hasMessageContaining("not an HTTP method");
    assertThatThrownBy(b::build).hasMessageContaining("rate");
  }
}
