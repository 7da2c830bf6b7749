package dev.sluice.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Heap retained per idle key: used heap after full GCs, before and after giving state to n keys
 * ("user:0" .. "user:(n-1)", one permit taken each), divided by n; each figure measured several
 * times (median, with the smallest and largest). Not JMH: a plain main, meant for a fixed heap
 * and a collector whose System.gc() compacts, e.g.
 *
 * <pre>java -Xms4g -Xmx4g -XX:+UseParallelGC -cp benchmarks.jar dev.sluice.bench.RetainedHeapPerKey
 *     1000000 3</pre>
 *
 * <p>The key Strings are made first and measured on their own, so each contender's first figure
 * is its structure alone (map and state; the keys are shared with the array that holds them).
 * Every contender here keeps its callers' key Strings as map keys, and in a server each key String
 * is made from a request and then held by the limiter alone: so the bytes an idle key really costs
 * are the structure plus the key, the second figure.
 *
 * <p>The limit is 100 per day: one permit taken leaves state that lives 864 s, far longer than
 * the run, so no key expires while measuring.
 */
public final class RetainedHeapPerKey {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final long COUNT = 100;
  private static final Duration PERIOD = Duration.ofDays(1);

  private RetainedHeapPerKey() {}

  public static void main(String[] args) throws InterruptedException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    HotSpotDiagnosticMXBean hotSpot =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    System.out.printf(Locale.ROOT, "Heap retained per idle key, %,d keys, %d repeats; %s, max heap"
            + " %d MiB, UseCompressedOops %s, ObjectAlignmentInBytes %s%n", n, repeats,
        ManagementFactory.getGarbageCollectorMXBeans().get(0).getName(),
        MEMORY.getHeapMemoryUsage().getMax() >> 20,
        hotSpot.getVMOption("UseCompressedOops").getValue(),
        hotSpot.getVMOption("ObjectAlignmentInBytes").getValue());
    System.out.println("bytes per key: median [min – max] of the repeats");

    double[] keyBytes = new double[repeats];
    String[] keys = null;
    for (int r = 0; r < repeats; r++) {
      keys = null;
      long before = usedAfterGc();
      keys = Workload.keyNames(n);
      keyBytes[r] = (usedAfterGc() - before) / (double) n - 4; // less the array's slot
    }
    String[] k = keys;
    double key = median(keyBytes);
    System.out.printf(Locale.ROOT, "%-42s %s%n", "key String \"user:<i>\" (String + byte[])",
        spread(keyBytes));
    System.out.printf(Locale.ROOT, "%-42s %-28s %s%n", "contender", "structure alone",
        "structure + key String");

    measure("ConcurrentHashMap<String,Object> alone", k, repeats, key, ks -> {
      ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();
      Object shared = new Object();
      for (String s : ks) {
        map.put(s, shared);
      }
      return map;
    });
    measure("Sluice memory backend, token bucket", k, repeats, key, ks -> {
      MemoryBackend backend = MemoryBackend.builder().maxKeys(ks.length).build();
      RateLimiter limiter = RateLimiter.create(backend, List.of(Limit.of(COUNT, PERIOD)));
      for (String s : ks) {
        check(limiter.tryAcquire(s).allowed());
      }
      if (backend.size() != ks.length) {
        throw new IllegalStateException("expected " + ks.length + " keys, store holds "
            + backend.size());
      }
      return limiter;
    });
    measure("Bucket4j LockFreeBucket in a CHM", k, repeats, key, ks -> perKey(ks,
        s -> Bucket.builder().addLimit(l -> l.capacity(COUNT).refillGreedy(COUNT, PERIOD))
            .build(),
        b -> b.tryConsume(1)));
    measure("Guava RateLimiter in a CHM", k, repeats, key, ks -> perKey(ks,
        s -> com.google.common.util.concurrent.RateLimiter.create(
            COUNT / (double) PERIOD.toSeconds()),
        com.google.common.util.concurrent.RateLimiter::tryAcquire));
    RateLimiterConfig config = Mix.resilience4j((int) COUNT, PERIOD);
    measure("Resilience4j AtomicRateLimiter in a CHM", k, repeats, key, ks -> perKey(ks,
        s -> io.github.resilience4j.ratelimiter.RateLimiter.of(s, config),
        io.github.resilience4j.ratelimiter.RateLimiter::acquirePermission));
    Reference.reachabilityFence(k);
  }

  private static void measure(String name, String[] keys, int repeats, double keyBytes,
      Function<String[], Object> build) throws InterruptedException {
    double[] perKey = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long before = usedAfterGc();
      Object structure = build.apply(keys);
      long after = usedAfterGc();
      Reference.reachabilityFence(structure);
      perKey[r] = (after - before) / (double) keys.length;
    }
    System.out.printf(Locale.ROOT, "%-42s %-28s %.1f%n", name, spread(perKey),
        median(perKey) + keyBytes);
  }

  private static <T> ConcurrentHashMap<String, T> perKey(String[] keys, Function<String, T> create,
      Predicate<T> acquire) {
    ConcurrentHashMap<String, T> map = new ConcurrentHashMap<>();
    for (String key : keys) {
      T limiter = create.apply(key);
      check(acquire.test(limiter));
      map.put(key, limiter);
    }
    return map;
  }

  private static void check(boolean allowed) {
    if (!allowed) {
      throw new IllegalStateException("the first permit of a key was denied");
    }
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String spread(double[] values) {
    return String.format(Locale.ROOT, "%.1f [%.1f – %.1f]", median(values),
        Arrays.stream(values).min().orElseThrow(), Arrays.stream(values).max().orElseThrow());
  }

  /** Heap in use after full collections have stopped freeing anything. */
  private static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(50);
      long now = MEMORY.getHeapMemoryUsage().getUsed();
      if (now >= used - 4096) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }
}
