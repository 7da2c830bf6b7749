package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.internal.Decisions;
import dev.sluice.internal.Outcome;
import dev.sluice.internal.Transition;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One limiter's limits evaluated in Redis by one script call per batch of decisions.
 *
 * <p><b>Coalescing.</b> Requests go through a lane (one for a single server, one per slot in a
 * Cluster, since a script only sees keys of one slot). A lane has at most one script call in
 * flight; requests arriving meanwhile queue and leave together in the next call, which evaluates
 * them in arrival order, each exactly as if alone. No timer: a request finding its lane idle is
 * sent at once. Under load, each call carries many decisions, so Redis runs one script per batch
 * instead of one per decision.
 */
final class RedisLimits implements KeyedLimits {
  // TODO(issue 12): reserve, refund and reset are being implemented for this backend.
  @Override
  public java.util.concurrent.CompletionStage<dev.sluice.spi.Reservation> reserveAsync(
      String key, long permits, long maxWaitMicros) {
    throw new UnsupportedOperationException("reserve: not yet implemented");
  }

  @Override
  public java.util.concurrent.CompletionStage<dev.sluice.Decision> refundAsync(String key,
      long permits) {
    throw new UnsupportedOperationException("refund: not yet implemented");
  }

  @Override
  public java.util.concurrent.CompletionStage<Void> resetAsync(String key) {
    throw new UnsupportedOperationException("reset: not yet implemented");
  }


  private static final int ARGS_PER_LIMIT = 4;
  private static final int HEADER_ARGS = 2;
  private static final int MAX_BATCH = 64;

  private final RedisBackend backend;
  private final Transition[] transitions;
  /** The smallest capacity of the limits: the most one request can ever take. */
  private final long capacity;
  private final KeyLayout layout;
  private final Script script;
  /** ARGV before the per-request (time, permits) pairs. */
  private final String[] header;
  private final @Nullable KeyedLimits fallback;
  private final boolean perSlot;
  private final Lane single = new Lane();
  private final ConcurrentHashMap<Integer, Lane> slots = new ConcurrentHashMap<>();

  RedisLimits(RedisBackend backend, List<Limit> limits, @Nullable KeyedLimits fallback) {
    this.backend = backend;
    this.fallback = fallback;
    this.perSlot = backend.target.kind == RedisTarget.Kind.CLUSTER;
    this.transitions = new Transition[limits.size()];
    Set<Algorithm> algorithms = EnumSet.noneOf(Algorithm.class);
    String[] args = new String[HEADER_ARGS + ARGS_PER_LIMIT * limits.size()];
    args[0] = Integer.toString(limits.size());
    args[1] = Long.toString(backend.ttlMarginMillis);
    for (int i = 0; i < transitions.length; i++) {
      Limit l = limits.get(i);
      transitions[i] = Transition.of(l);
      algorithms.add(l.algorithm());
      int base = HEADER_ARGS + ARGS_PER_LIMIT * i;
      args[base] = Integer.toString(Script.code(l.algorithm()));
      args[base + 1] = Long.toString(l.count());
      args[base + 2] = Long.toString(l.periodMicros());
      args[base + 3] = Long.toString(l.burst());
    }
    this.header = args;
    this.capacity = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
    this.layout = new KeyLayout(backend.keyPrefix, limits);
    this.script = Script.forAlgorithms(algorithms);
  }

  @Override
  public Decision acquire(String key, long permits) {
    return acquireAsync(key, permits).toCompletableFuture().join();
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits) {
    return submit(key, permits, false).thenApply(Grant::decision);
  }

  @Override
  public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
    // More than the smallest capacity can never be taken; the cap keeps the argument exact in Lua.
    return submit(key, Math.min(maxPermits, capacity), true);
  }

  /** One request: {@code permits}, or with {@code upTo} as many as fit up to {@code permits}. */
  private CompletionStage<Grant> submit(String key, long permits, boolean upTo) {
    if (backend.isClosed()) {
      throw new IllegalStateException("this RedisBackend is closed");
    }
    if (!backend.breaker.allowCall()) {
      return CompletableFuture.completedFuture(degrade(key, permits, upTo));
    }
    String now = backend.clock == null ? "" : Long.toString(backend.clock.nowMicros());
    Pending p = new Pending(layout.keys(key), now, permits, upTo);
    if (backend.coalesce) {
      lane(key).submit(p);
    } else {
      send(List.of(p), null);
    }
    return p.result.orTimeout(backend.timeoutNanos, TimeUnit.NANOSECONDS)
        .handle((g, error) -> {
          if (error == null) {
            return g;
          }
          backend.onFailure(error);
          return degrade(key, permits, upTo);
        });
  }

  private Lane lane(String key) {
    if (!perSlot) {
      return single;
    }
    int slot = SlotHash.getSlot(KeyLayout.tag(key));
    Lane lane = slots.get(slot);
    return lane != null ? lane : slots.computeIfAbsent(slot, s -> new Lane());
  }

  /** One request waiting for its script call. */
  private static final class Pending {
    final String[] keys;
    final String now;
    final long permits;
    /** Take up to {@code permits}: the script gets {@code -(permits + 1)} and answers the take. */
    final boolean upTo;
    final CompletableFuture<Grant> result = new CompletableFuture<>();

    Pending(String[] keys, String now, long permits, boolean upTo) {
      this.keys = keys;
      this.now = now;
      this.permits = permits;
      this.upTo = upTo;
    }
  }

  /** Requests of one slot: at most one script call in flight, the rest queued for the next. */
  private final class Lane {
    final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    final AtomicBoolean inFlight = new AtomicBoolean();

    void submit(Pending p) {
      queue.add(p);
      drain();
    }

    void drain() {
      while (!queue.isEmpty() && inFlight.compareAndSet(false, true)) {
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
          if (!p.result.isDone()) { // timed out while queued: its caller has its answer
            batch.add(p);
          }
        }
        if (!batch.isEmpty()) {
          send(batch, this);
          return;
        }
        inFlight.set(false); // then loop: something may have arrived after the poll
      }
    }

    void done() {
      inFlight.set(false);
      drain();
    }
  }

  /** One script call for {@code batch}; completes each request's result, then frees the lane. */
  private void send(List<Pending> batch, @Nullable Lane lane) {
    int nl = transitions.length;
    String[] keys = new String[batch.size() * nl];
    String[] args = new String[header.length + 2 * batch.size()];
    System.arraycopy(header, 0, args, 0, header.length);
    for (int j = 0; j < batch.size(); j++) {
      Pending p = batch.get(j);
      System.arraycopy(p.keys, 0, keys, j * nl, nl);
      args[header.length + 2 * j] = p.now;
      args[header.length + 2 * j + 1] = Long.toString(p.upTo ? -(p.permits + 1) : p.permits);
    }
    CompletableFuture<List<Object>> call;
    try {
      call = backend.connector.connection().thenCompose(c -> run(c.commands(), keys, args));
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    if (lane != null) {
      // A hung call must free its lane; a lone request (no lane) has its own timeout already.
      call = call.orTimeout(backend.timeoutNanos, TimeUnit.NANOSECONDS);
    }
    call.whenComplete((reply, error) -> {
      Throwable failure = error;
      if (failure == null) {
        try {
          checkReply(reply, batch);
          Grant[] grants = new Grant[batch.size()];
          int offset = 0;
          for (int j = 0; j < grants.length; j++) {
            Pending p = batch.get(j);
            long taken = p.upTo ? (Long) reply.get(offset++) : p.permits;
            Decision d = decide(reply, offset);
            offset += ARGS_PER_LIMIT * nl;
            grants[j] = new Grant(d.allowed() ? taken : 0, d);
          }
          // Health first: a caller seeing its decision also sees the circuit closed again.
          backend.onSuccess();
          for (int j = 0; j < grants.length; j++) {
            batch.get(j).result.complete(grants[j]);
          }
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      if (failure != null) {
        for (Pending p : batch) {
          p.result.completeExceptionally(failure);
        }
      }
      if (lane != null) {
        lane.done();
      }
    });
  }

  /** EVALSHA; on NOSCRIPT (a restarted or flushed server) EVAL, which also caches the script. */
  private CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<String, String> cmd,
      String[] keys, String[] args) {
    return cmd.<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args)
        .toCompletableFuture()
        .exceptionallyCompose(e -> isNoScript(e)
            ? cmd.<List<Object>>eval(script.text, ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
            : CompletableFuture.failedFuture(e));
  }

  private static boolean isNoScript(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return t instanceof RedisNoScriptException
        || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
  }

  private void checkReply(List<Object> reply, List<Pending> batch) {
    int expected = batch.size() * transitions.length * ARGS_PER_LIMIT;
    for (Pending p : batch) {
      if (p.upTo) {
        expected++;
      }
    }
    if (reply.size() != expected) {
      throw new IllegalStateException("script answered " + reply.size() + " values, expected "
          + expected);
    }
  }

  /**
   * One request's part of the reply (after the permits taken, for a take-up-to): per limit (allowed, remaining, resetAfter, retryAfter or -1
   * for never), combined as the in-memory backend does.
   */
  private Decision decide(List<Object> reply, int offset) {
    int n = transitions.length;
    Outcome[] outcomes = new Outcome[n];
    for (int i = 0; i < n; i++) {
      Outcome o = new Outcome();
      int base = offset + ARGS_PER_LIMIT * i;
      o.allowed = (Long) reply.get(base) == 1L;
      o.remaining = (Long) reply.get(base + 1);
      o.resetAfter = (Long) reply.get(base + 2);
      long retry = (Long) reply.get(base + 3);
      o.retryAfter = retry < 0 ? Long.MAX_VALUE : retry;
      outcomes[i] = o;
    }
    return Decisions.combine(transitions, outcomes);
  }

  /** The failure policy's answer; a take-up-to gets all it asked for when the answer is yes. */
  private Grant degrade(String key, long permits, boolean upTo) {
    backend.onDegraded();
    Limit first = transitions[0].limit();
    return switch (backend.policy) {
      case FAIL_OPEN -> new Grant(permits,
          Decision.degraded(true, Decision.Reason.BACKEND_UNAVAILABLE, first));
      case FAIL_CLOSED -> new Grant(0,
          Decision.degraded(false, Decision.Reason.BACKEND_UNAVAILABLE, first));
      case LOCAL_FALLBACK -> {
        KeyedLimits local = Objects.requireNonNull(fallback);
        Grant g = upTo ? local.acquireUpTo(key, permits)
            : new Grant(permits, local.acquire(key, permits));
        Decision d = g.decision().asDegraded(Decision.Reason.BACKEND_UNAVAILABLE);
        yield new Grant(d.allowed() ? g.taken() : 0, d);
      }
    };
  }
}
