package dev.sluice.bench.redis;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.redis.RedisBackend;
import dev.sluice.testkit.redis.RedisBinary;
import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decisions per second of Sluice's Redis backend from one JVM, for every algorithm on one hot key
 * and on 100k keys, with and without coalescing, each next to {@code redis-benchmark -P 16}
 * replaying the exact {@code EVALSHA} Sluice sends (captured with {@code MONITOR}) on the same
 * dedicated server; Bucket4j's Lettuce backend on the same hot key with 16 threads; latency at a
 * fixed moderate rate; and the state encoding (packed string vs hash) in isolation.
 *
 * <p>Every contender has the same number of requests in flight: {@code inflight} async requests
 * for Sluice, {@code inflight / 16} connections × {@code -P 16} for redis-benchmark. Script calls
 * and Redis CPU per decision come from {@code INFO commandstats} and {@code INFO cpu} deltas over
 * each run (warm-up included, divided by every decision made, warm-up included).
 *
 * <p>Needs {@code redis-server}, {@code redis-cli} and {@code redis-benchmark} on {@code PATH}
 * ({@code apt-get install redis-server redis-tools}), and {@code taskset} for {@code pin=true}.
 * Arguments (all optional): {@code seconds=5 warmup=2 inflight=256 rate=10000 pin=false
 * algorithms=TOKEN_BUCKET,GCRA,... sections=throughput,rivals,latency,encoding}. With {@code
 * pin=true} redis-server runs on CPU 1 and this JVM (and the redis-benchmark it starts) on CPU 0.
 */
public final class RedisLoad {

  private static final int KEYS = 100_000;
  private static final int PIPELINE = 16;
  private static final Limit LIMIT = Limit.perSecond(1_000);
  private static final Limit ADMIT_ALL = Limit.perSecond(1_000_000_000);

  private final double seconds;
  private final double warmup;
  private final int inFlight;
  private final int rate;
  private final boolean pin;
  private final RedisNode node;
  private final String uri;
  private final String[] keys = new String[KEYS];
  private final StringBuilder report = new StringBuilder();
  private final StringBuilder costs = new StringBuilder();
  private List<Algorithm> algorithms = List.of(Algorithm.values());

  private RedisLoad(RedisStandalone redis, double seconds, double warmup, int inFlight,
      int rate, boolean pin) {
    this.node = redis.node();
    this.uri = redis.uri();
    this.seconds = seconds;
    this.warmup = warmup;
    this.inFlight = inFlight;
    this.rate = rate;
    this.pin = pin;
    for (int i = 0; i < KEYS; i++) {
      // the shape redis-benchmark gives __rand_int__: 12 digits
      keys[i] = String.format(Locale.ROOT, "user:%012d", i);
    }
  }

  public static void main(String[] args) throws Exception {
    double seconds = 5;
    double warmup = 2;
    int inFlight = 256;
    int rate = 10_000;
    boolean pin = false;
    List<Algorithm> algorithms = List.of(Algorithm.values());
    List<String> sections = List.of("throughput", "rivals", "latency", "encoding");
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "seconds" -> seconds = Double.parseDouble(kv[1]);
        case "warmup" -> warmup = Double.parseDouble(kv[1]);
        case "inflight" -> inFlight = Integer.parseInt(kv[1]);
        case "rate" -> rate = Integer.parseInt(kv[1]);
        case "pin" -> pin = Boolean.parseBoolean(kv[1]);
        case "algorithms" -> algorithms = Arrays.stream(kv[1].split(","))
            .map(Algorithm::valueOf).toList();
        case "sections" -> sections = List.of(kv[1].split(","));
        default -> throw new IllegalArgumentException("unknown argument " + a
            + "; expected seconds=, warmup=, inflight=, rate=, pin=, algorithms=, sections=");
      }
    }
    if (inFlight % PIPELINE != 0) {
      throw new IllegalArgumentException("inflight must be a multiple of " + PIPELINE
          + " (redis-benchmark runs inflight / " + PIPELINE + " connections × -P " + PIPELINE
          + ")");
    }
    for (String tool : pin ? List.of("redis-cli", "redis-benchmark", "taskset")
        : List.of("redis-cli", "redis-benchmark")) {
      if (!RedisTools.onPath(tool)) {
        System.err.println(tool + " not found on PATH: apt-get install -y redis-server redis-tools"
            + " (Debian/Ubuntu; taskset is in util-linux)");
        System.exit(2);
      }
    }
    try (RedisStandalone redis = RedisStandalone.start()) {
      if (pin) {
        RedisTools.pin(redis.node().pid(), 1);
        RedisTools.pin(ProcessHandle.current().pid(), 0);
      }
      RedisLoad load = new RedisLoad(redis, seconds, warmup, inFlight, rate, pin);
      load.algorithms = algorithms;
      load.machine();
      for (String section : sections) {
        switch (section) {
          case "throughput" -> load.throughput();
          case "rivals" -> load.rivals();
          case "latency" -> load.latency();
          case "encoding" -> load.encoding();
          default -> throw new IllegalArgumentException("unknown section " + section);
        }
      }
      System.out.println("\n\n==== report ====\n" + load.report);
      if (!load.costs.isEmpty()) {
        System.out.println("\n==== Redis work per decision ====\n" + load.costs);
      }
    }
  }

  private void machine() throws Exception {
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
        .filter(l -> l.startsWith("model name")).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    long cpus = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
        .filter(l -> l.startsWith("processor")).count(); // not availableProcessors(): pinned
    out("Machine: " + cpus + " CPUs (" + cpu + "), Java "
        + System.getProperty("java.version") + ", "
        + RedisTools.firstLine(RedisBinary.path().toString(), "--version") + " ("
        + RedisBinary.path() + ") on 127.0.0.1:" + node.port() + ", "
        + RedisTools.firstLine("redis-benchmark", "--version") + ".");
    out("Limits: " + LIMIT + " per key, or " + ADMIT_ALL + " to admit every request; Sluice: "
        + "one RedisBackend (one Lettuce connection) per mode, " + inFlight
        + " async requests in flight from 2 threads; redis-benchmark: -c "
        + clients() + " -P " + PIPELINE + " (" + inFlight + " in flight); " + warmup
        + " s warm-up, " + seconds + " s measured; "
        + (pin ? "redis-server pinned to CPU 1, the JVM and redis-benchmark to CPU 0"
            : "no CPU pinning") + ".\n");
  }

  private RedisBackend backend(boolean coalescing) {
    return RedisBackend.builder(uri).coalescing(coalescing).timeout(Duration.ofSeconds(2))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).keyPrefix("sluice:").build();
  }

  private int clients() {
    return inFlight / PIPELINE;
  }

  private String key(boolean hot) {
    return hot ? "hot" : keys[ThreadLocalRandom.current().nextInt(KEYS)];
  }

  /** A load shape: which keys, and a limit that mostly admits or mostly denies. */
  private enum Regime {
    HOT_ADMITTED("1 hot key, all admitted", true, ADMIT_ALL),
    HOT_DENIED("1 hot key, 99% denied", true, LIMIT),
    SPREAD("100k keys, all admitted", false, LIMIT);

    final String label;
    final boolean hot;
    final Limit limit;

    Regime(String label, boolean hot, Limit limit) {
      this.label = label;
      this.hot = hot;
      this.limit = limit;
    }
  }

  private void throughput() throws Exception {
    out("| algorithm | load | redis-benchmark -P 16 (calls/s) | Sluice, no coalescing "
        + "(decisions/s) | ÷ redis-benchmark | Sluice, coalescing (decisions/s) "
        + "| ÷ redis-benchmark |");
    out("|---|---|--:|--:|--:|--:|--:|");
    costs.append("| algorithm | load | redis-benchmark: Redis CPU µs/call "
        + "| Sluice, no coalescing: script calls/decision | Redis CPU µs/decision "
        + "| Sluice, coalescing: script calls/decision | Redis CPU µs/decision |\n"
        + "|---|---|--:|--:|--:|--:|--:|\n");
    try (RedisBackend plain = backend(false); RedisBackend coalesced = backend(true)) {
      for (Algorithm a : algorithms) {
        for (Regime r : Regime.values()) {
          if (a == Algorithm.SLIDING_WINDOW_LOG && r == Regime.HOT_ADMITTED) {
            // the log keeps every admission of the window: a billion per second is no use case
            out("| " + a + " | " + r.label + " | n/a | n/a | | n/a | |");
            costs.append("| " + a + " | " + r.label + " | n/a | n/a | n/a | n/a | n/a |\n");
            continue;
          }
          List<Limit> limits = List.of(r.limit.toBuilder().algorithm(a).build());
          RateLimiter one = RateLimiter.create(plain, limits);
          RateLimiter many = RateLimiter.create(coalesced, limits);
          List<String> command = new ArrayList<>(RedisTools.captureEvalsha(node.port(),
              () -> one.tryAcquire("hot")));
          int numKeys = Integer.parseInt(command.get(2));
          for (int k = 3; k < 3 + numKeys && !r.hot; k++) {
            command.set(k, command.get(k).replace("{hot}", "{user:__rand_int__}"));
          }
          Measured rb = redisBenchmark(command, r.hot ? 0 : KEYS);
          Measured p = sluice(() -> Drive.async(i -> one.tryAcquireAsync(key(r.hot)), 2,
              inFlight, warmup, seconds));
          Measured c = sluice(() -> Drive.async(i -> many.tryAcquireAsync(key(r.hot)), 2,
              inFlight, warmup, seconds));
          out(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.2f | %,.0f | %.2f |",
              a, r.label, rb.perSecond, p.perSecond, p.perSecond / rb.perSecond, c.perSecond,
              c.perSecond / rb.perSecond));
          costs.append(String.format(Locale.ROOT,
              "| %s | %s | %.1f | %.3f | %.1f | %.3f | %.1f |%n", a, r.label, rb.cpuMicros,
              p.calls, p.cpuMicros, c.calls, c.cpuMicros));
        }
      }
      check(plain);
      check(coalesced);
    }
  }

  /**
   * A rate, with the script calls per decision and the Redis CPU time (µs, user + system) per
   * decision, both over the whole run.
   */
  private record Measured(double perSecond, double calls, double cpuMicros) {}

  /** What Redis has done so far: script calls ({@code EVAL} + {@code EVALSHA}) and CPU µs. */
  private record Counters(long calls, double cpuMicros) {}

  private Counters counters() {
    long calls = 0;
    for (String line : ((String) node.call("INFO", "commandstats")).lines().toList()) {
      if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
        String stats = line.substring(line.indexOf(':') + 1);
        calls += Long.parseLong(stats.substring("calls=".length(), stats.indexOf(',')));
      }
    }
    double cpu = 0;
    for (String line : ((String) node.call("INFO", "cpu")).lines().toList()) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) * 1e6;
      }
    }
    return new Counters(calls, cpu);
  }

  /** A Sluice run on a fresh server state, with Redis's work per decision. */
  private Measured sluice(RunSupplier run) throws Exception {
    flush();
    Counters before = counters();
    Drive.Run r = run.get();
    Counters after = counters();
    flush();
    return new Measured(r.perSecond(), (double) (after.calls - before.calls) / r.total(),
        (after.cpuMicros - before.cpuMicros) / r.total());
  }

  private interface RunSupplier {
    Drive.Run get() throws Exception;
  }

  /**
   * redis-benchmark on {@code command}, sized to run about {@code seconds} after a probe that
   * also warms the server up.
   */
  private Measured redisBenchmark(List<String> command, int randomKeys) throws Exception {
    flush();
    double probe = RedisTools.benchmark(node.port(), clients(), 20_000, randomKeys, command);
    flush();
    int n = (int) Math.max(20_000, Math.min(50_000_000, probe * seconds));
    Counters before = counters();
    double rate = RedisTools.benchmark(node.port(), clients(), n, randomKeys, command);
    Counters after = counters();
    flush();
    return new Measured(rate, 1, (after.cpuMicros - before.cpuMicros) / n);
  }

  private void rivals() throws Exception {
    out("\nOne hot key, token bucket, 16 threads each making blocking calls (plus Sluice's async "
        + "API with " + inFlight + " in flight):\n");
    out("| contender | " + Regime.HOT_ADMITTED.label + " (decisions/s) | "
        + Regime.HOT_DENIED.label + " (decisions/s) |");
    out("|---|--:|--:|");
    double[] b4j = new double[2];
    double[][] sluice = new double[3][2];
    Regime[] regimes = {Regime.HOT_ADMITTED, Regime.HOT_DENIED};
    for (int r = 0; r < 2; r++) {
      Limit limit = regimes[r].limit;
      b4j[r] = bucket4j(limit);
      for (int mode = 0; mode < 3; mode++) {
        boolean coalescing = mode > 0;
        try (RedisBackend backend = backend(coalescing)) {
          RateLimiter limiter = RateLimiter.create(backend, List.of(limit));
          sluice[mode][r] = (mode < 2
              ? Drive.blocking(i -> limiter.tryAcquire("hot"), 16, warmup, seconds)
              : Drive.async(i -> limiter.tryAcquireAsync("hot"), 2, inFlight, warmup, seconds))
              .perSecond();
          check(backend);
          flush();
        }
      }
    }
    out(String.format(Locale.ROOT, "| Bucket4j %s bucket4j_jdk17-lettuce (CAS), 16 threads "
        + "| %,.0f | %,.0f |", bucket4jVersion(), b4j[0], b4j[1]));
    String[] names = {"Sluice, no coalescing, 16 threads", "Sluice, coalescing, 16 threads",
        "Sluice, coalescing, async, " + inFlight + " in flight"};
    for (int mode = 0; mode < 3; mode++) {
      out(String.format(Locale.ROOT, "| %s | %,.0f (%.1f× Bucket4j) | %,.0f (%.1f× Bucket4j) |",
          names[mode], sluice[mode][0], sluice[mode][0] / b4j[0], sluice[mode][1],
          sluice[mode][1] / b4j[1]));
    }
  }

  /** The version of Bucket4j's Lettuce module that ran, from its jar's Maven metadata. */
  private static String bucket4jVersion() {
    try (InputStream in = Bucket4jLettuce.class.getResourceAsStream(
        "/META-INF/maven/com.bucket4j/bucket4j_jdk17-lettuce/pom.properties")) {
      Properties pom = new Properties();
      if (in != null) {
        pom.load(in);
      }
      return pom.getProperty("version", "(version unknown)");
    } catch (IOException e) {
      return "(version unknown)";
    }
  }

  /** Bucket4j's Lettuce backend (compare-and-swap) on one hot key, 16 threads. */
  private double bucket4j(Limit limit) throws Exception {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<byte[], byte[]> connection =
        client.connect(ByteArrayCodec.INSTANCE)) {
      ProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(connection).build();
      BucketConfiguration config = BucketConfiguration.builder()
          .addLimit(l -> l.capacity(limit.count()).refillGreedy(limit.count(), limit.period()))
          .build();
      Bucket bucket = proxies.builder()
          .build("bucket4j:hot".getBytes(StandardCharsets.UTF_8), () -> config);
      return Drive.blocking(i -> bucket.tryConsume(1), 16, warmup, seconds).perSecond();
    } finally {
      client.shutdown();
      flush();
    }
  }

  private void latency() throws Exception {
    out(String.format(Locale.ROOT, "%nLatency at a fixed %,d decisions/s (token bucket, "
        + "async, open loop, %s):%n", rate, LIMIT));
    out("| keys | coalescing | p50 (µs) | p99 (µs) | p99.9 (µs) | rate achieved (/s) |");
    out("|---|---|--:|--:|--:|--:|");
    for (boolean hot : new boolean[] {true, false}) {
      for (boolean coalescing : new boolean[] {false, true}) {
        try (RedisBackend backend = backend(coalescing)) {
          RateLimiter limiter = RateLimiter.create(backend, List.of(LIMIT));
          Drive.Latency l = Drive.fixedRate(i -> limiter.tryAcquireAsync(key(hot)), rate,
              seconds);
          check(backend);
          flush();
          out(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.0f | %,.0f |",
              hot ? "1 hot" : "100k", coalescing ? "yes" : "no", l.p50(), l.p99(), l.p999(),
              l.perSecond()));
        }
      }
    }
  }

  /**
   * The state encoding alone: a token bucket's three numbers read and written by a minimal
   * script, as one packed string ({@code GET}, {@code SET PX}) or as a hash ({@code HMGET},
   * {@code HSET}, {@code PEXPIRE}); calls/s with redis-benchmark and memory per key.
   */
  private void encoding() throws Exception {
    String packed = "local v = redis.call('GET', KEYS[1])\n"
        + "local a, b, c = 0, 0, 0\n"
        + "if v then a, b, c = struct.unpack('<ddd', v) end\n"
        + "redis.call('SET', KEYS[1], struct.pack('<ddd', a + 1, b + 1700000000000000, c),"
        + " 'PX', 60000)\nreturn 1";
    String hash = "local v = redis.call('HMGET', KEYS[1], 't', 'b', 'f')\n"
        + "local a, b, c = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0\n"
        + "redis.call('HSET', KEYS[1], 't', string.format('%.17g', a + 1),"
        + " 'b', string.format('%.17g', b + 1700000000000000), 'f', string.format('%.17g', c))\n"
        + "redis.call('PEXPIRE', KEYS[1], 60000)\nreturn 1";
    out("\nState encoding alone (redis-benchmark -P 16, minimal read-modify-write script):\n");
    out("| encoding | 1 hot key (calls/s) | 100k keys (calls/s) | memory per key (bytes) |");
    out("|---|--:|--:|--:|");
    for (String[] variant : new String[][] {{"packed string", packed}, {"hash", hash}}) {
      String sha = (String) node.call("SCRIPT", "LOAD", variant[1]);
      double hot = redisBenchmark(List.of("evalsha", sha, "1", "enc:{hot}"), 0).perSecond;
      double spread = redisBenchmark(List.of("evalsha", sha, "1", "enc:{__rand_int__}"), KEYS)
          .perSecond;
      long before = usedMemory();
      // 1M calls on 100k random keys touch all but ~e^-10 of them
      RedisTools.benchmark(node.port(), clients(), 1_000_000, KEYS,
          List.of("evalsha", sha, "1", "enc:{__rand_int__}"));
      long keysNow = (Long) node.call("DBSIZE");
      long perKey = (usedMemory() - before) / Math.max(1, keysNow);
      flush();
      out(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %d (%,d keys) |", variant[0], hot,
          spread, perKey, keysNow));
    }
  }

  private long usedMemory() {
    String info = (String) node.call("INFO", "memory");
    return info.lines().filter(l -> l.startsWith("used_memory:")).findFirst()
        .map(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).orElseThrow();
  }

  private void flush() {
    node.call("FLUSHALL");
  }

  /** A degraded decision would be counted as fast as a real one: none may occur. */
  private static void check(RedisBackend backend) {
    if (backend.degradedDecisions() > 0) {
      throw new IllegalStateException(backend.degradedDecisions()
          + " decisions were degraded (timeouts or errors): the numbers are void");
    }
  }

  private void out(String line) {
    System.out.println(line);
    report.append(line).append('\n');
  }
}
