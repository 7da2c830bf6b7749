package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.spi.Part;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link RedisBackend} does before its first decision, so that the first decisions of a
 * fresh JVM are as fast as later ones and none is answered by the failure policy for want of
 * time:
 *
 * <ol>
 *   <li>connects (in a Cluster: to every node, over the connections key routing uses);
 *   <li>{@code SCRIPT LOAD}s every script a backend can run (per combination of algorithms, the
 *       decision script and the all-or-nothing one) on every node, so no decision pays NOSCRIPT
 *       and EVAL;
 *   <li>exercises the decision path: real script calls on throwaway keys, for every algorithm and
 *       one limiter of all five, every operation (acquire, take-up-to, reserve, refund, reset),
 *       coalesced bursts and lone calls, on every Cluster master, all-or-nothing acquisitions of
 *       every limiter's part on every key (in a Cluster, over several slots), plus one NOSCRIPT
 *       → EVAL fallback; until this JVM has made {@link #TARGET} such decisions, so that class
 *       loading,
 *       Lettuce's codecs and the JIT are done with the path (later backends in the same JVM make
 *       one round of about 400 only).
 * </ol>
 *
 * <p>Warm-up calls wait up to the warm-up's timeout, not the per-decision one; they bypass the
 * circuit breaker and are never counted as failures or degraded decisions. The throwaway keys
 * ({@code <prefix>{sluice-warm-up:<random>:<n>}:...}, limit name {@code sluice-warm-up}) are
 * reset at the end of each round and expire within seconds anyway.
 */
final class WarmUp {

  /**
   * Warm-up decisions per JVM (system property {@code sluice.redis.warmUpDecisions}, for
   * measuring what is enough: docs/redis.md, "Start").
   */
  static final long TARGET = Long.getLong("sluice.redis.warmUpDecisions", 4_000);
  /** Requests per key in one coalesced burst of a round. */
  private static final int BURST = 64;
  /** Lone (awaited one by one) requests per key in a round. */
  private static final int LONE = 4;
  /** All-or-nothing acquisitions in a round, each of every limiter's part on every key. */
  private static final int ALL_OR_NOTHING = 8;
  private static final String NAME = "sluice-warm-up";
  /** Decisions made by warm-ups in this JVM (what the JIT has seen). */
  private static final AtomicLong EXERCISED = new AtomicLong();

  /** What a warm-up did. */
  record Result(int nodes, int scripts, long decisions, long nanos) {
    @Override
    public String toString() {
      return String.format("%d ms: %d scripts loaded on %d node%s, %d decisions exercised",
          TimeUnit.NANOSECONDS.toMillis(nanos), scripts, nodes, nodes == 1 ? "" : "s",
          decisions);
    }
  }

  private final RedisBackend backend;
  private final long deadline;

  private WarmUp(RedisBackend backend, long deadline) {
    this.backend = backend;
    this.deadline = deadline;
  }

  /**
   * Warms {@code backend} up, blocking for at most {@code timeout}.
   *
   * @throws RedisUnavailableException when Redis cannot be reached or a step fails or times out
   */
  static Result run(RedisBackend backend, Duration timeout) {
    long start = System.nanoTime();
    return new WarmUp(backend, start + timeout.toNanos()).run(start);
  }

  private Result run(long start) {
    Connector.Connected c = await("connecting", backend.connector.connection());
    List<Script> scripts = Script.all();
    int nodes = await("loading the scripts", Connector.loadScripts(c, scripts));
    // NOSCRIPT → EVAL: what the first call after a Redis restart or failover does.
    await("the NOSCRIPT fallback", RedisLimits.run(c.commands(), Script.uncached(),
        new String[0], new String[0]));
    List<String> keys = keys(c);
    List<RedisLimits> limiters = limiters();
    long decisions = 0;
    // One round per backend (its own connections carry real calls), more until the JVM has run
    // TARGET decisions; none at all with a target of 0 (scripts and connections only).
    boolean more = TARGET > 0;
    while (more) {
      long made = round(limiters, keys);
      decisions += made;
      more = EXERCISED.addAndGet(made) < TARGET && System.nanoTime() < deadline;
    }
    return new Result(nodes, scripts.size(), decisions, System.nanoTime() - start);
  }

  /** One limiter per algorithm and one of all five (so every script size and the combining). */
  private List<RedisLimits> limiters() {
    long timeout = Math.max(1, deadline - System.nanoTime());
    List<RedisLimits> out = new ArrayList<>();
    List<Limit> all = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      // Small enough that a burst is partly admitted, partly denied: both paths run.
      Limit l = Limit.builder(BURST / 2, Duration.ofSeconds(1)).algorithm(a).name(NAME).build();
      out.add(RedisLimits.forWarmUp(backend, List.of(l), timeout));
      all.add(l);
    }
    out.add(RedisLimits.forWarmUp(backend, all, timeout));
    return out;
  }

  /**
   * Throwaway keys: one on a single server; in a Cluster one per master (each master's slots get
   * a key, so every connection that decisions use carries warm-up calls).
   */
  private List<String> keys(Connector.Connected c) {
    byte[] random = new byte[8];
    ThreadLocalRandom.current().nextBytes(random);
    String base = NAME + ":" + HexFormat.of().formatHex(random) + ":";
    if (!(c.connection() instanceof StatefulRedisClusterConnection<String, String> cluster)) {
      return List.of(base + 0);
    }
    Partitions partitions = cluster.getPartitions();
    Map<String, String> byMaster = new LinkedHashMap<>();
    long masters = partitions.stream().filter(n -> !n.getSlots().isEmpty()
        && n.is(RedisClusterNode.NodeFlag.UPSTREAM)).count();
    for (int i = 0; i < 10_000 && byMaster.size() < masters; i++) {
      String key = base + i;
      RedisClusterNode owner = partitions.getPartitionBySlot(SlotHash.getSlot(KeyLayout.tag(key)));
      if (owner != null) {
        byMaster.putIfAbsent(owner.getNodeId(), key);
      }
    }
    return byMaster.isEmpty() ? List.of(base + 0) : List.copyOf(byMaster.values());
  }

  /** One round: per limiter and key, a burst of mixed operations, lone calls, then a reset. */
  private long round(List<RedisLimits> limiters, List<String> keys) {
    long decisions = 0;
    List<CompletableFuture<?>> burst = new ArrayList<>();
    for (RedisLimits l : limiters) {
      for (String key : keys) {
        for (int i = 0; i < BURST; i++) {
          burst.add(switch (i % 8) {
            case 1 -> l.acquireUpToAsync(key, 3).toCompletableFuture();
            case 3 -> l.reserveAsync(key, 1, 2_000_000).toCompletableFuture();
            case 5 -> l.refundAsync(key, 1).toCompletableFuture();
            case 7 -> l.acquireAsync(key, 0).toCompletableFuture();
            default -> l.acquireAsync(key, 1).toCompletableFuture();
          });
        }
        decisions += BURST;
      }
    }
    await("a burst of decisions", CompletableFuture.allOf(
        burst.toArray(CompletableFuture<?>[]::new)));
    // After the burst some limits are short: admissions, refusals, refunds and probes all run.
    List<Part> parts = new ArrayList<>();
    for (RedisLimits l : limiters) {
      for (String key : keys) {
        parts.add(new Part(l, key, 1));
      }
    }
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < ALL_OR_NOTHING; i++) {
      all.add(AllOrNothing.acquire(backend, parts).toCompletableFuture());
      decisions += parts.size();
    }
    await("all-or-nothing acquisitions", CompletableFuture.allOf(
        all.toArray(CompletableFuture<?>[]::new)));
    for (RedisLimits l : limiters) {
      for (String key : keys) {
        for (int i = 0; i < LONE; i++) {
          await("a decision", l.acquireAsync(key, 1).toCompletableFuture());
        }
        decisions += LONE;
      }
    }
    List<CompletableFuture<?>> resets = new ArrayList<>();
    for (RedisLimits l : limiters) {
      for (String key : keys) {
        resets.add(l.resetAsync(key).toCompletableFuture());
      }
    }
    await("resetting the warm-up keys", CompletableFuture.allOf(
        resets.toArray(CompletableFuture<?>[]::new)));
    return decisions;
  }

  private <T> T await(String step, CompletableFuture<T> f) {
    long left = deadline - System.nanoTime();
    try {
      return f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new RedisUnavailableException("warm-up of Redis " + backend.target + " timed out "
          + step, e);
    } catch (ExecutionException e) {
      throw new RedisUnavailableException("warm-up of Redis " + backend.target + " failed "
          + step + ": " + RedisBackend.describe(e), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisUnavailableException("warm-up of Redis " + backend.target
          + " interrupted " + step, e);
    }
  }
}
