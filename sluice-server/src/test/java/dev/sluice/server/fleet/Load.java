package dev.sluice.server.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Drives a fleet over HTTP from many threads: {@code total} envoy {@code POST /json} requests for
 * one descriptor, request {@code j} sent to {@code target.apply(j)}, optionally paced at a fixed
 * arrival rate. Records, per request, the instance, the send time and the outcome.
 */
final class Load {

  /** Outcome of one request. */
  enum Outcome { ADMITTED, DENIED, FAILED }

  /** Every request of a run, by index. */
  record Run(int[] instance, String[] user, long[] sentNanos, Outcome[] outcome, int[] status,
      long startNanos, long endNanos) {

    int count(Outcome o) {
      return (int) Arrays.stream(outcome).filter(x -> x == o).count();
    }

    int count(Outcome o, int inst) {
      int n = 0;
      for (int j = 0; j < outcome.length; j++) {
        if (outcome[j] == o && instance[j] == inst) {
          n++;
        }
      }
      return n;
    }

    /** Requests for {@code user} with outcome {@code o}. */
    int count(Outcome o, String u) {
      int n = 0;
      for (int j = 0; j < outcome.length; j++) {
        if (outcome[j] == o && user[j].equals(u)) {
          n++;
        }
      }
      return n;
    }

    /** Requests with outcome {@code o} among those with index in [from, to). */
    int count(Outcome o, int from, int to) {
      int n = 0;
      for (int j = from; j < to; j++) {
        if (outcome[j] == o) {
          n++;
        }
      }
      return n;
    }

    /** HTTP statuses seen that are neither 200 nor 429 (0 = no answer). */
    List<Integer> unexpectedStatuses() {
      List<Integer> out = new ArrayList<>();
      for (int s : status) {
        if (s != 200 && s != 429) {
          out.add(s);
        }
      }
      return out;
    }

    /** Instances that received requests: 0 .. n - 1. */
    int instances() {
      return Arrays.stream(instance).max().orElse(0) + 1;
    }

    /**
     * The most requests sent to instance {@code inst} (for {@code user} only, when not null)
     * within any window of {@code window}.
     */
    int maxArrivals(int inst, Duration window, @Nullable String forUser) {
      List<Long> times = new ArrayList<>();
      for (int j = 0; j < instance.length; j++) {
        if (instance[j] == inst && (forUser == null || forUser.equals(user[j]))) {
          times.add(sentNanos[j]);
        }
      }
      times.sort(null);
      int best = 0;
      int lo = 0;
      for (int hi = 0; hi < times.size(); hi++) {
        while (times.get(hi) - times.get(lo) >= window.toNanos()) {
          lo++;
        }
        best = Math.max(best, hi - lo + 1);
      }
      return best;
    }

    double seconds() {
      return (endNanos - startNanos) / 1e9;
    }

    @Override
    public String toString() {
      return "Run[" + outcome.length + " requests in " + String.format("%.2f", seconds())
          + " s: admitted " + count(Outcome.ADMITTED) + ", denied " + count(Outcome.DENIED)
          + ", failed " + count(Outcome.FAILED) + "]";
    }
  }

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private final int threads;

  Load(int threads) {
    this.threads = threads;
  }

  /**
   * Sends {@code total} requests for descriptor {@code user=<user>} of domain {@code domain}.
   * {@code target} chooses the instance of request j; {@code ratePerSecond} > 0 paces the sends
   * (request j is sent at start + j / rate, never earlier), 0 sends as fast as the threads can;
   * {@code beforeSend} runs on the sending thread just before request j (e.g. to kill something at
   * a given point of the run).
   */
  Run run(int total, String domain, String user, IntFunction<Fleet.Instance> target,
      double ratePerSecond, @Nullable IntConsumer beforeSend) throws InterruptedException {
    return run(total, domain, j -> user, target, ratePerSecond, beforeSend);
  }

  /** {@link #run(int, String, String, IntFunction, double, IntConsumer)} with a user per request. */
  Run run(int total, String domain, IntFunction<String> users, IntFunction<Fleet.Instance> target,
      double ratePerSecond, @Nullable IntConsumer beforeSend) throws InterruptedException {
    String[] user = new String[total];
    int[] inst = new int[total];
    long[] sent = new long[total];
    Outcome[] outcome = new Outcome[total];
    int[] status = new int[total];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        for (int j = next.getAndIncrement(); j < total; j = next.getAndIncrement()) {
          if (ratePerSecond > 0) {
            long due = start + (long) (j * 1e9 / ratePerSecond);
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
              LockSupport.parkNanos(wait);
            }
          }
          if (beforeSend != null) {
            beforeSend.accept(j);
          }
          Fleet.Instance i = target.apply(j);
          inst[j] = i.index;
          user[j] = users.apply(j);
          sent[j] = System.nanoTime();
          int code = send(i, body(domain, user[j]));
          status[j] = code;
          outcome[j] = code == 200 ? Outcome.ADMITTED
              : code == 429 ? Outcome.DENIED : Outcome.FAILED;
        }
        return null;
      }));
    }
    pool.shutdown();
    if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
      pool.shutdownNow();
      throw new AssertionError("load did not finish within 60 s");
    }
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new AssertionError("load thread failed", e.getCause());
      }
    }
    return new Run(inst, user, sent, outcome, status, start, System.nanoTime());
  }

  /**
   * An envoy {@code /json} body for one descriptor: {@code user=<user>}, or, when {@code user} is
   * written {@code key=value}, that entry.
   */
  static byte[] body(String domain, String user) {
    int eq = user.indexOf('=');
    String key = eq < 0 ? "user" : user.substring(0, eq);
    String value = eq < 0 ? user : user.substring(eq + 1);
    return ("{\"domain\":\"" + domain + "\",\"descriptors\":[{\"entries\":[{\"key\":\""
        + key + "\",\"value\":\"" + value + "\"}]}]}").getBytes(StandardCharsets.UTF_8);
  }

  /** One request; the HTTP status, or 0 when the instance did not answer. */
  private int send(Fleet.Instance i, byte[] body) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(i.base() + "/json"))
              .timeout(Duration.ofSeconds(5))
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** GET {@code path} of an instance: status and body. */
  HttpResponse<String> get(Fleet.Instance i, String path)
      throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(i.base() + path))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code GET /metrics} of an instance's admin port: the Prometheus text. */
  String metrics(Fleet.Instance i) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(i.adminBase() + "/metrics"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** POST {@code body} to {@code path} of an instance. */
  HttpResponse<String> post(Fleet.Instance i, String path, String body)
      throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(i.base() + path))
        .timeout(Duration.ofSeconds(5)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
