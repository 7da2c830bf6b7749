package dev.sluice.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.testkit.redis.RedisStandalone;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cold start: freshly started {@code sluice serve} processes with the default settings
 * ({@code redis-timeout} 50 ms, {@code redis-start-timeout} 1 s for the first minute, {@code
 * fail-open}) on one healthy Redis, fired at with 200
 * concurrent {@code /json} requests on a key of 50 per minute the moment every one of them
 * answers {@code /readyz} with 200: the fleet admits exactly 50 and no decision is degraded, for
 * 2 and for 3 instances, three times each with new processes. Before the warm-up, the same
 * admitted 51–58, the extra ones answered by {@code fail-open} while the JVMs warmed up.
 */
class ColdStartFleetIT {

  static final int LIMIT = 50;
  static final int REQUESTS = 200;
  static final int REPETITIONS = Integer.getInteger("sluice.coldStart.repetitions", 3);
  static final String RULES = """
      domain: cold
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 50}
      """;

  /** The slowest backend decision an instance made, in seconds (Micrometer's timer max). */
  static final Pattern MAX_LATENCY =
      Pattern.compile("^sluice_backend_latency_seconds_max\\S*\\s+(\\S+)", Pattern.MULTILINE);

  @TempDir static Path dir;
  static RedisStandalone redis;
  static Path rules;

  /** The test's own client (the subject is the service's cold start, not the client's). */
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void startRedis() throws Exception {
    rules = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rules.resolve("cold.yaml"), RULES);
    redis = RedisStandalone.start();
    // Warm this JVM's client and threads on a trivial local server first: a cold client would
    // take CPU from the instances in the first burst only.
    HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    stub.createContext("/json", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    stub.setExecutor(Executors.newFixedThreadPool(4));
    stub.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + stub.getAddress().getPort() + "/json");
      for (int i = 0; i < 3; i++) {
        burst(j -> uri, "warm-up");
      }
    } finally {
      stub.stop(0);
      ((java.util.concurrent.ExecutorService) stub.getExecutor()).shutdownNow();
    }
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  /** Fleet sizes: 2 and 3 (property {@code sluice.coldStart.instances}, e.g. "2", to measure). */
  static IntStream sizes() {
    return Arrays.stream(System.getProperty("sluice.coldStart.instances", "2,3").split(","))
        .mapToInt(v -> Integer.parseInt(v.trim()));
  }

  @ParameterizedTest(name = "{0} fresh instances")
  @MethodSource("sizes")
  void freshInstancesAdmitExactlyTheLimitFromTheFirstRequest(int n) throws Exception {
    Load client = new Load(1);
    List<String> runs = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (int rep = 0; rep < REPETITIONS; rep++) {
      long start = System.nanoTime();
      try (Fleet fleet = Fleet.start(n, dir, rules, Map.of("backend", redis.uri()))) {
        long listening = System.nanoTime();
        for (Fleet.Instance i : fleet.instances()) {
          Poll.until(i + " ready", Duration.ofSeconds(60),
              () -> client.get(i, "/readyz").statusCode() == 200);
        }
        long ready = System.nanoTime();
        String user = "fresh-" + n + "-" + rep + "-" + System.nanoTime();
        int[] statuses = burst(j -> URI.create(fleet.get(j % n).base() + "/json"), user);
        int admitted = count(statuses, 200);
        int denied = count(statuses, 429);
        long degraded = Metric.fleetSum(fleet, "sluice_backend_degraded_total");
        List<String> slowest = new ArrayList<>();
        for (Fleet.Instance i : fleet.instances()) {
          Matcher m = MAX_LATENCY.matcher(client.metrics(i));
          slowest.add(m.find() ? String.format("%.1f", Double.parseDouble(m.group(1)) * 1e3)
              : "?");
        }
        String what = String.format("%d instances, repetition %d: admitted %d, denied %d, other"
                + " %d, degraded %d; slowest decision per instance %s ms; started in %d ms,"
                + " ready after %d ms more; warm-up: %s", n, rep, admitted, denied,
            REQUESTS - admitted - denied, degraded, slowest,
            TimeUnit.NANOSECONDS.toMillis(listening - start),
            TimeUnit.NANOSECONDS.toMillis(ready - listening), warmUpLines(fleet));
        System.out.println("ColdStartFleetIT " + what);
        runs.add(what);
        if (degraded != 0 || admitted != LIMIT || denied != REQUESTS - LIMIT) {
          wrong.add(what);
        }
        for (int i = 0; i < n; i++) {
          fleet.kill(i); // done with them: no need to wait for graceful shutdowns
        }
      }
    }
    // every repetition runs (and is printed) before the verdict
    assertThat(wrong).as("repetitions with a degraded decision or not exactly %d admitted and %d"
        + " denied, of %s", LIMIT, REQUESTS - LIMIT, runs).isEmpty();
  }

  /**
   * {@link #REQUESTS} {@code /json} requests for {@code user}, request j to {@code target.apply(j)},
   * each from its own thread, all released at once; their HTTP statuses (0: no answer).
   */
  static int[] burst(IntFunction<URI> target, String user) throws Exception {
    AtomicIntegerArray status = new AtomicIntegerArray(REQUESTS);
    CountDownLatch gate = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    byte[] body = Load.body("cold", user);
    for (int j = 0; j < REQUESTS; j++) {
      int k = j;
      HttpRequest request = HttpRequest.newBuilder(target.apply(j))
          .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      Thread t = new Thread(() -> {
        try {
          gate.await();
          status.set(k, HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (Exception e) {
          status.set(k, 0);
        }
      });
      t.start();
      threads.add(t);
    }
    gate.countDown();
    for (Thread t : threads) {
      t.join(30_000);
    }
    int[] out = new int[REQUESTS];
    for (int j = 0; j < REQUESTS; j++) {
      out[j] = status.get(j);
    }
    return out;
  }

  private static int count(int[] statuses, int code) {
    int n = 0;
    for (int s : statuses) {
      n += s == code ? 1 : 0;
    }
    return n;
  }

  /** The instances' warm-up log lines, shortened, for the report. */
  private static List<String> warmUpLines(Fleet fleet) {
    List<String> out = new ArrayList<>();
    for (Fleet.Instance i : fleet.instances()) {
      for (String line : i.logText().split("\n")) {
        int at = line.indexOf("warmed up");
        if (at >= 0) {
          out.add("#" + i.index + " " + line.substring(at));
        }
      }
    }
    return out;
  }
}
