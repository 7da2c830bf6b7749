package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.internal.Compensation;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Part;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@link RedisBackend#acquireAllAsync}: parts whose keys one script can see together are taken in
 * one atomic call of {@code acquire_all.lua}; on a single server and with Sentinel that is every
 * part, in a Cluster the parts of one hash slot. Several slots are combined by the compensating
 * protocol ({@link Compensation#run}): slot after slot in a fixed order, the slots taken refunded
 * when one refuses.
 *
 * <p>When Redis cannot answer a call, the failure policy answers each of its parts, flagged
 * degraded: fail-open admits them, fail-closed refuses them (and the slots taken before are
 * refunded), the local fallback takes them all-or-nothing in its own memory.
 */
final class AllOrNothing {

  private final RedisBackend backend;
  private final List<Part> parts;
  private final RedisLimits[] limits;

  private AllOrNothing(RedisBackend backend, List<Part> parts, RedisLimits[] limits) {
    this.backend = backend;
    this.parts = parts;
    this.limits = limits;
  }

  /** Takes {@code parts}, whose limits must all be this backend's. */
  static CompletionStage<List<Decision>> acquire(RedisBackend backend, List<Part> parts) {
    Compensation.check(parts);
    RedisLimits[] limits = new RedisLimits[parts.size()];
    for (int i = 0; i < limits.length; i++) {
      if (!(parts.get(i).limits() instanceof RedisLimits r) || r.backend() != backend) {
        throw new IllegalArgumentException("parts[" + i + "]: its limits were not opened by "
            + backend);
      }
      limits[i] = r;
    }
    AllOrNothing all = new AllOrNothing(backend, List.copyOf(parts), limits);
    CompletableFuture<?>[] moves = new CompletableFuture<?>[limits.length];
    boolean settled = true;
    for (int i = 0; i < limits.length; i++) {
      moves[i] = limits[i].inherit(parts.get(i).key());
      settled &= moves[i].isDone();
    }
    // keys a changed limiter touches for the first time take their states from its predecessor
    return settled ? all.run() : CompletableFuture.allOf(moves).thenCompose(v -> all.run());
  }

  private CompletionStage<List<Decision>> run() {
    boolean cluster = backend.target.kind == RedisTarget.Kind.CLUSTER;
    Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
    for (int i : Compensation.order(parts)) {
      int slot = cluster ? SlotHash.getSlot(KeyLayout.tag(parts.get(i).key())) : 0;
      bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
    }
    List<Compensation.Group> groups = new ArrayList<>(bySlot.size());
    for (List<Integer> idx : bySlot.values()) {
      groups.add(new Call(idx.stream().mapToInt(Integer::intValue).toArray()));
    }
    CompletionStage<List<Decision>> done = Compensation.run(parts, groups);
    OverLimitCache cache = backend.overLimitCache;
    if (cache == null) {
      return done;
    }
    // the parts took (or were refunded): a known denial of their keys may wait longer now
    return done.whenComplete((d, e) -> parts.forEach(p -> cache.invalidate(p.key())));
  }

  /** The parts of one slot, in one script call. */
  private final class Call implements Compensation.Group {
    private final int[] idx;

    Call(int[] idx) {
      this.idx = idx;
    }

    @Override
    public int[] parts() {
      return idx;
    }

    @Override
    public CompletionStage<List<Decision>> take() {
      return call(true);
    }

    @Override
    public CompletionStage<List<Decision>> probe() {
      return call(false);
    }

    private CompletionStage<List<Decision>> call(boolean take) {
      if (backend.isClosed()) {
        throw new IllegalStateException("this RedisBackend is closed");
      }
      boolean warmUp = limits[idx[0]].isWarmUp();
      if (!warmUp && !backend.breaker.allowCall()) {
        return degrade(take);
      }
      List<String> keys = new ArrayList<>();
      List<String> args = new ArrayList<>();
      args.add(take ? "a" : "c");
      args.add(Long.toString(backend.ttlMarginMillis));
      long now = backend.clock == null ? CalendarBounds.SERVER_TIME : backend.clock.nowMicros();
      args.add(now == CalendarBounds.SERVER_TIME ? "" : Long.toString(now));
      Set<Algorithm> algorithms = EnumSet.noneOf(Algorithm.class);
      for (int i : idx) {
        RedisLimits l = limits[i];
        Part p = parts.get(i);
        keys.addAll(List.of(l.keys(p.key())));
        args.add(Long.toString(p.permits()));
        args.add(Integer.toString(l.limits().size()));
        l.limitArgs(args, now);
        algorithms.addAll(l.algorithms());
      }
      Script script = Script.allOrNothing(algorithms);
      String[] k = keys.toArray(String[]::new);
      String[] a = args.toArray(String[]::new);
      CompletableFuture<List<Object>> reply;
      try {
        reply = backend.connector.connection()
            .thenCompose(c -> RedisLimits.run(c.commands(), script, k, a));
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      CompletableFuture<List<Decision>> decided = reply
          .orTimeout(limits[idx[0]].timeoutNanos(), TimeUnit.NANOSECONDS)
          .thenApply(this::decisions);
      if (warmUp) {
        return decided;
      }
      return decided.handle((ds, error) -> {
        if (error == null) {
          backend.onSuccess();
          return CompletableFuture.completedFuture(ds);
        }
        backend.onFailure(error);
        return degrade(take).toCompletableFuture();
      }).thenCompose(f -> f);
    }

    /** The reply: per part, per limit four values, combined per part as its limiter does. */
    private List<Decision> decisions(List<Object> reply) {
      int expected = 0;
      for (int i : idx) {
        expected += 4 * limits[i].limits().size();
      }
      if (reply.size() != expected) {
        throw new IllegalStateException("script answered " + reply.size() + " values, expected "
            + expected);
      }
      List<Decision> out = new ArrayList<>(idx.length);
      int offset = 0;
      for (int i : idx) {
        out.add(limits[i].decide(reply, offset));
        offset += 4 * limits[i].limits().size();
      }
      return out;
    }

    /** The failure policy's answer for every part of the call, flagged degraded. */
    private CompletionStage<List<Decision>> degrade(boolean take) {
      for (int ignored : idx) {
        backend.onDegraded();
      }
      List<Decision> out = new ArrayList<>(idx.length);
      switch (backend.policy) {
        case FAIL_OPEN, FAIL_CLOSED -> {
          boolean open = backend.policy == FailurePolicy.FAIL_OPEN;
          for (int i : idx) {
            out.add(Decision.degraded(open, Decision.Reason.BACKEND_UNAVAILABLE,
                limits[i].limits().get(0)));
          }
          return CompletableFuture.completedFuture(out);
        }
        case LOCAL_FALLBACK -> {
          List<Part> local = new ArrayList<>(idx.length);
          for (int i : idx) {
            Part p = parts.get(i);
            KeyedLimits f = Objects.requireNonNull(limits[i].fallback());
            local.add(new Part(f, p.key(), p.permits()));
          }
          CompletionStage<List<Decision>> answered;
          if (take) {
            answered = Compensation.perPart(local);
          } else {
            List<CompletableFuture<Decision>> probes = new ArrayList<>();
            for (Part p : local) {
              probes.add(Compensation.probe(p).toCompletableFuture());
            }
            answered = CompletableFuture.allOf(probes.toArray(CompletableFuture<?>[]::new))
                .thenApply(x -> probes.stream().map(CompletableFuture::join).toList());
          }
          return answered.thenApply(ds -> ds.stream()
              .map(d -> d.asDegraded(Decision.Reason.BACKEND_UNAVAILABLE)).toList());
        }
        default -> throw new IllegalStateException("unknown policy " + backend.policy);
      }
    }
  }
}
