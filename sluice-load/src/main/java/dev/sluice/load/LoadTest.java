package dev.sluice.load;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An open-model load test: request {@code i} is due {@link Rate#offsetNanos(long)
 * rate.offsetNanos(i)} after the start, for every due time before {@code duration}, whatever
 * earlier responses did. At most {@code concurrency} requests are in flight; a request that has to wait for a slot, or that
 * the generator sends late, is still timed from when it was due, so a slow server shows up as
 * latency instead of being hidden by sending less (no coordinated omission).
 *
 * <pre>{@code
 * LoadReport r = LoadTest.builder(URI.create("http://127.0.0.1:8080/"))
 *     .rate(Rate.parse("2000/min")).duration(Duration.ofMinutes(2)).build().run();
 * }</pre>
 *
 * <p>One instance runs once. {@link #stop()} (e.g. from a shutdown hook) ends the schedule early;
 * {@link #run()} then waits for the requests in flight and reports what was sent.
 */
public final class LoadTest {

  /** Sees every completed request, on an HTTP client thread. */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called once per request when it completes.
     *
     * @param sample the request's times and status
     * @param headers the response headers, or null when there was no response
     */
    void completed(Sample sample, @Nullable HttpHeaders headers);
  }

  /**
   * What a run has done so far, given to the progress callback once a second.
   *
   * @param elapsed time since the start
   * @param sent requests sent
   * @param allowed 2xx responses so far
   * @param denied 429 responses so far
   * @param errors other outcomes so far
   * @param inFlight requests sent and not yet complete
   */
  public record Progress(Duration elapsed, long sent, long allowed, long denied, long errors,
      int inFlight) {

    /** One line, e.g. {@code 12s sent 400 allowed 300 denied 100 errors 0 in flight 3}. */
    @Override
    public String toString() {
      return String.format(Locale.ROOT,
          "%4ds  sent %d  allowed %d  denied %d  errors %d  in flight %d",
          elapsed.toSeconds(), sent, allowed, denied, errors, inFlight);
    }
  }

  private final URI uri;
  private final String method;
  private final List<String[]> headers;
  private final byte @Nullable [] body;
  private final Rate rate;
  private final Duration duration;
  private final int concurrency;
  private final Duration timeout;
  private final @Nullable Listener listener;
  private final @Nullable Consumer<Progress> progress;

  private volatile boolean stopRequested;
  private final AtomicInteger runs = new AtomicInteger();

  // guarded by this
  private final List<Bucket> buckets = new ArrayList<>();
  private final Latencies all = new Latencies();
  private final Map<String, Long> errorKinds = new LinkedHashMap<>();
  private long allowed;
  private long denied;
  private long errors;
  private long lastDoneNanos;

  private volatile long sent;

  private LoadTest(Builder b) {
    this.uri = b.uri;
    this.method = b.method;
    this.headers = List.copyOf(b.headers);
    this.body = b.body;
    this.rate = Objects.requireNonNull(b.rate, "rate");
    this.duration = b.duration;
    this.concurrency = b.concurrency;
    this.timeout = b.timeout;
    this.listener = b.listener;
    this.progress = b.progress;
  }

  /** A builder for a load test against {@code uri} (http or https). */
  public static Builder builder(URI uri) {
    return new Builder(uri);
  }

  /** Ends the schedule early: no request is sent after this; {@link #run()} then returns. */
  public void stop() {
    stopRequested = true;
  }

  /**
   * Runs the schedule, waits for every request sent (each is bounded by the timeout), and reports.
   *
   * @throws IllegalStateException if this test already ran
   * @throws InterruptedException if interrupted; requests in flight are abandoned
   */
  public LoadReport run() throws InterruptedException {
    if (runs.getAndIncrement() > 0) {
      throw new IllegalStateException("a LoadTest runs once; build another");
    }
    ExecutorService io = Executors.newCachedThreadPool(daemon("sluice-load-http"));
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
        daemon("sluice-load-progress"));
    HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(io)
        .build();
    HttpRequest request = request();
    Semaphore slots = new Semaphore(concurrency);
    long total = rate.countWithin(duration);
    long start = System.nanoTime();
    if (progress != null) {
      Consumer<Progress> p = progress;
      ticker.scheduleAtFixedRate(() -> p.accept(snapshot(start, slots)), 1, 1, TimeUnit.SECONDS);
    }
    try {
      for (long i = 0; i < total && !stopRequested; i++) {
        long due = start + rate.offsetNanos(i);
        for (long wait = due - System.nanoTime(); wait > 0 && !stopRequested;
            wait = due - System.nanoTime()) {
          LockSupport.parkNanos(Math.min(wait, 100_000_000L));
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
        if (stopRequested) {
          break;
        }
        slots.acquire();
        send(client, request, i, start, due - start, slots);
      }
      if (!slots.tryAcquire(concurrency, timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("requests still in flight after the timeout");
      }
    } finally {
      ticker.shutdownNow();
      io.shutdownNow();
    }
    return report(start);
  }

  private HttpRequest request() {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (String[] h : headers) {
      b.header(h[0], h[1]);
    }
    return b.build();
  }

  private void send(HttpClient client, HttpRequest request, long index, long start,
      long scheduled, Semaphore slots) {
    long sentAt = System.nanoTime() - start;
    long sentEpoch = epochMicros();
    sent++; // only the scheduling thread writes
    client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, t) -> {
      try {
        long doneAt = System.nanoTime() - start;
        long doneEpoch = epochMicros();
        Sample s = r != null
            ? new Sample(index, scheduled, sentAt, doneAt, sentEpoch, doneEpoch, r.statusCode(),
                null)
            : new Sample(index, scheduled, sentAt, doneAt, sentEpoch, doneEpoch, 0, describe(t));
        record(s);
        if (listener != null) {
          listener.completed(s, r == null ? null : r.headers());
        }
      } finally {
        slots.release();
      }
    });
  }

  private static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  static String describe(@Nullable Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof HttpConnectTimeoutException) {
      return "connect timeout";
    }
    if (c instanceof HttpTimeoutException) {
      return "timeout";
    }
    if (c instanceof ConnectException) {
      return "connection refused";
    }
    return c == null ? "unknown" : c.getClass().getSimpleName();
  }

  private synchronized void record(Sample s) {
    int second = (int) (s.scheduledNanos() / 1_000_000_000L);
    while (buckets.size() <= second) {
      buckets.add(new Bucket());
    }
    Bucket b = buckets.get(second);
    b.sent++;
    switch (s.outcome()) {
      case ALLOWED -> {
        allowed++;
        b.allowed++;
      }
      case DENIED -> {
        denied++;
        b.denied++;
      }
      default -> {
        errors++;
        b.errors++;
        errorKinds.merge(s.error() != null ? s.error() : "HTTP " + s.status(), 1L, Long::sum);
      }
    }
    b.latencies.add(s.latencyNanos());
    all.add(s.latencyNanos());
    lastDoneNanos = Math.max(lastDoneNanos, s.doneNanos());
  }

  private synchronized Progress snapshot(long start, Semaphore slots) {
    return new Progress(Duration.ofNanos(System.nanoTime() - start), sent, allowed, denied,
        errors, concurrency - slots.availablePermits());
  }

  private synchronized LoadReport report(long start) {
    List<LoadReport.Second> rows = new ArrayList<>();
    for (int t = 0; t < buckets.size(); t++) {
      Bucket b = buckets.get(t);
      rows.add(new LoadReport.Second(t, b.sent, b.allowed, b.denied, b.errors,
          b.latencies.percentile(50), b.latencies.percentile(99), b.latencies.max()));
    }
    Map<String, Long> kinds = new LinkedHashMap<>();
    errorKinds.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> kinds.put(e.getKey(), e.getValue()));
    return new LoadReport(method, uri, rate, duration, concurrency, sent, allowed, denied, errors,
        kinds, all.percentile(50), all.percentile(90), all.percentile(99), all.max(),
        lastDoneNanos, stopRequested, rows);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static final class Bucket {
    long sent;
    long allowed;
    long denied;
    long errors;
    final Latencies latencies = new Latencies();
  }

  /** Builds a {@link LoadTest}; {@link #rate(Rate)} is required. */
  public static final class Builder {
    private final URI uri;
    private String method = "GET";
    private final List<String[]> headers = new ArrayList<>();
    private byte @Nullable [] body;
    private @Nullable Rate rate;
    private Duration duration = Duration.ofSeconds(30);
    private int concurrency = 64;
    private Duration timeout = Duration.ofSeconds(10);
    private @Nullable Listener listener;
    private @Nullable Consumer<Progress> progress;

    private Builder(URI uri) {
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("expected an http:// or https:// URL with a host,"
            + " such as http://127.0.0.1:8080/path");
      }
      this.uri = uri;
    }

    /** The HTTP method (default GET). */
    public Builder method(String method) {
      if (!method.matches("[A-Za-z]+")) {
        throw new IllegalArgumentException("not an HTTP method: '" + method + "'");
      }
      this.method = method.toUpperCase(Locale.ROOT);
      return this;
    }

    /**
     * Adds a request header.
     *
     * @throws IllegalArgumentException if the JDK's client refuses the name or value (e.g. {@code
     *     Host}, {@code Connection}, {@code Content-Length}, a newline in the value)
     */
    public Builder header(String name, String value) {
      try {
        HttpRequest.newBuilder(uri).header(name, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      headers.add(new String[] {name, value});
      return this;
    }

    /** The request body, sent with every request (none by default). */
    public Builder body(byte[] body) {
      this.body = body.clone();
      return this;
    }

    /** The arrival rate (required). */
    public Builder rate(Rate rate) {
      this.rate = rate;
      return this;
    }

    /** How long requests are scheduled for (default 30 s). */
    public Builder duration(Duration duration) {
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("the duration must be positive");
      }
      this.duration = duration;
      return this;
    }

    /** The most requests in flight at once (default 64). */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1 || concurrency > 100_000) {
        throw new IllegalArgumentException("the concurrency must be in 1..100000, not "
            + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** How long one request may take, connection included (default 10 s). */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** Sees every completed request with its response headers. */
    public Builder listener(Listener listener) {
      this.listener = listener;
      return this;
    }

    /** Called once a second while the test runs. */
    public Builder progress(Consumer<Progress> progress) {
      this.progress = progress;
      return this;
    }

    /** The test; run it with {@link LoadTest#run()}. */
    public LoadTest build() {
      if (rate == null) {
        throw new IllegalStateException("rate(...) is required");
      }
      return new LoadTest(this);
    }
  }
}
