package dev.sluice.examples.fixedwindow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.load.LoadReport;
import dev.sluice.load.LoadTest;
import dev.sluice.load.Rate;
import dev.sluice.load.Sample;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * {@code sluice load}'s engine against the running example, above its limit for several windows:
 * every window lets exactly its limit through. The example runs with a window of 10 requests per
 * 3 seconds (its {@code LIMIT} setting) so that the test takes seconds; the load is 20/s, six
 * times the limit.
 *
 * <p>Each response is put in the window the server decided it in. Windows are aligned to the
 * epoch and the server reads the same wall clock as the client, after the client's send time and
 * before its receive time. When both fall in one window, that is the window. When they straddle
 * a boundary, the response's {@code X-RateLimit-Reset} (seconds to the window's end, rounded up)
 * tells which side: 1 in the last second of the earlier window, 3 in the first second of the
 * later one (a latency under a second is asserted).
 */
@SpringBootTest(classes = FixedWindowApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "LIMIT=10 per 3 seconds")
class FixedWindowLoadTest {

  static final int LIMIT = 10;
  static final long WINDOW_MICROS = 3_000_000L;

  @LocalServerPort
  int port;

  record Response(long window, int status, @Nullable Integer remaining) {}

  @Test
  void eachWindowAllowsExactlyItsLimit() throws Exception {
    // the first request initialises Spring's dispatcher: do it on the other route (its own key)
    assertThat(FixedWindowAppTest.get(port, "/also-limited").statusCode()).isEqualTo(200);
    List<Response> responses = new CopyOnWriteArrayList<>();
    List<String> problems = new CopyOnWriteArrayList<>();
    LoadReport report = LoadTest.builder(URI.create("http://127.0.0.1:" + port + "/rate-limited"))
        .rate(Rate.parse("20/s")).duration(Duration.ofSeconds(7)).concurrency(8)
        .listener((s, h) -> {
          try {
            responses.add(classify(s, h));
          } catch (RuntimeException | AssertionError e) {
            problems.add(s + ": " + e.getMessage());
          }
        })
        .build().run();

    assertThat(problems).isEmpty();
    assertThat(report.sent()).isEqualTo(140);
    assertThat(report.errors()).as("%s", report.errorKinds()).isZero();
    assertThat(responses).hasSize(140);

    Map<Long, List<Response>> byWindow = new TreeMap<>();
    for (Response r : responses) {
      byWindow.computeIfAbsent(r.window(), w -> new ArrayList<>()).add(r);
    }
    int saturated = 0;
    for (Map.Entry<Long, List<Response>> e : byWindow.entrySet()) {
      List<Response> in = e.getValue();
      List<Integer> remaining = in.stream().filter(r -> r.status() == 200)
          .map(Response::remaining).sorted().toList();
      int expected = Math.min(LIMIT, in.size());
      assertThat(remaining).as("window %d: %d responses", e.getKey(), in.size())
          .hasSize(expected);
      // the allowed ones counted down LIMIT-1 .. LIMIT-expected, each once
      List<Integer> countdown = new ArrayList<>();
      for (int i = LIMIT - expected; i < LIMIT; i++) {
        countdown.add(i);
      }
      assertThat(remaining).isEqualTo(countdown);
      assertThat(in.stream().filter(r -> r.status() != 200).allMatch(r -> r.status() == 429))
          .isTrue();
      if (in.size() > LIMIT) {
        saturated++;
      }
    }
    // 7 s at 20/s always covers at least two windows with more requests than the limit
    assertThat(saturated).isGreaterThanOrEqualTo(2);
    assertThat(report.allowed()).isEqualTo(
        byWindow.values().stream().mapToLong(in -> Math.min(LIMIT, in.size())).sum());
  }

  static Response classify(Sample s, @Nullable HttpHeaders h) {
    assertThat(h).as("a response").isNotNull();
    long first = Math.floorDiv(s.sentEpochMicros(), WINDOW_MICROS);
    long last = Math.floorDiv(s.doneEpochMicros(), WINDOW_MICROS);
    long window = first;
    if (last != first) {
      assertThat(last).isEqualTo(first + 1);
      assertThat(s.doneEpochMicros() - s.sentEpochMicros()).isLessThan(1_000_000L);
      String reset = h.firstValue("X-RateLimit-Reset").orElseThrow();
      window = switch (reset) {
        case "1" -> first;
        case "3" -> last;
        default -> throw new AssertionError("X-RateLimit-Reset " + reset + " across a boundary");
      };
    }
    Integer remaining = h.firstValue("X-RateLimit-Remaining").map(Integer::valueOf).orElse(null);
    return new Response(window, s.status(), remaining);
  }
}
