package dev.sluice.memory;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.internal.Decisions;
import dev.sluice.internal.Outcome;
import dev.sluice.internal.Transition;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Limiter state in this process's memory: exact and thread-safe, bounded in keys, and self-cleaning.
 *
 * <p><b>Concurrency.</b> Each key's state sits in its own cell, updated under that cell's monitor:
 * threads on different keys never contend, and all limits of a key change together or not at all.
 *
 * <p><b>Expiry.</b> Every state carries the time after which it equals "no state" (a full bucket,
 * an empty window). Such cells are removed by a little sweeping work done on each insertion, by a
 * full sweep when the store is full, and by {@link #cleanUp()}. Removing them changes no answer.
 *
 * <p><b>Bound.</b> At most {@link Builder#maxKeys(long) maxKeys} keys are kept (default
 * 1,000,000). Live state is <em>never</em> evicted: evicting a key that has used part of its limit
 * would silently hand it a fresh allowance. When the store is full of live keys, a request for a new
 * key is answered per {@link WhenFull} (deny by default), flagged {@link Decision#degraded()} with
 * reason {@link Decision.Reason#STORE_FULL}, and counted in {@link #rejectedWhenFull()}.
 */
public final class MemoryBackend implements Backend {

  /** What a request for a new key gets while the store is full of live keys. */
  public enum WhenFull {
    /** Deny the request (safe: nobody escapes the limits; new clients wait for space). */
    DENY,
    /** Admit it without tracking (available: new clients are not limited until space frees). */
    ALLOW
  }

  private static final int SWEEP_PER_INSERT = 4;

  private final Clock clock;
  private final long maxKeys;
  private final WhenFull whenFull;
  private final AtomicLong size = new AtomicLong();
  private final LongAdder expired = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final AtomicBoolean fullSweep = new AtomicBoolean();
  private final List<Table> tables = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private MemoryBackend(Builder b) {
    this.clock = b.clock;
    this.maxKeys = b.maxKeys;
    this.whenFull = b.whenFull;
  }

  /** A backend on the system clock with the default bounds. */
  public static MemoryBackend create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public KeyedLimits open(List<Limit> limits) {
    if (closed) {
      throw new IllegalStateException("this MemoryBackend is closed");
    }
    Table t = new Table(limits);
    tables.add(t);
    return t;
  }

  /** Keys currently stored, over all limiters of this backend. */
  public long size() {
    return size.get();
  }

  /** Keys removed because their state had expired (equalled "no state"). */
  public long expirations() {
    return expired.sum();
  }

  /** Requests for new keys answered per {@link WhenFull} because the store was full. */
  public long rejectedWhenFull() {
    return rejected.sum();
  }

  /** Removes every expired key now. Never needed for correctness; frees memory early. */
  public void cleanUp() {
    long now = clock.nowMicros();
    for (Table t : tables) {
      t.sweepAll(now);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Table t : tables) {
      size.addAndGet(-t.map.size());
      t.map.clear();
    }
    tables.clear();
  }

  private boolean reserve(long now) {
    if (size.incrementAndGet() <= maxKeys) {
      return true;
    }
    size.decrementAndGet();
    if (fullSweep.compareAndSet(false, true)) {
      try {
        for (Table t : tables) {
          t.sweepAll(now);
        }
      } finally {
        fullSweep.set(false);
      }
      if (size.incrementAndGet() <= maxKeys) {
        return true;
      }
      size.decrementAndGet();
    }
    return false;
  }

  /** One key's state: a long[] per limit, guarded by this cell's monitor. */
  private static final class Cell {
    final long[] @Nullable [] states;
    long expiresAt = Long.MAX_VALUE; // until the first decision sets it: a new cell is not expired
    boolean dead;

    Cell(int limits) {
      this.states = new long[limits][];
    }
  }

  /** The keys of one limiter. */
  private final class Table implements KeyedLimits {
    final Transition[] transitions;
    final ConcurrentHashMap<String, Cell> map = new ConcurrentHashMap<>();
    final AtomicBoolean sweeping = new AtomicBoolean();
    @Nullable Iterator<Map.Entry<String, Cell>> cursor;

    Table(List<Limit> limits) {
      this.transitions = new Transition[limits.size()];
      for (int i = 0; i < transitions.length; i++) {
        transitions[i] = Transition.of(Objects.requireNonNull(limits.get(i)));
      }
    }

    @Override
    public Decision acquire(String key, long permits) {
      if (closed) {
        throw new IllegalStateException("this MemoryBackend is closed");
      }
      long now = clock.nowMicros();
      Outcome[] outs = new Outcome[transitions.length];
      for (int i = 0; i < outs.length; i++) {
        outs[i] = new Outcome();
      }
      for (;;) {
        Cell cell = map.get(key);
        if (cell == null) {
          // A key without state: decide from "no state"; store only what must be remembered.
          for (int i = 0; i < transitions.length; i++) {
            transitions[i].evaluate(null, now, permits, outs[i]);
          }
          if (permits == 0 || !Decisions.allAllowed(outs)) {
            return Decisions.combine(transitions, outs);
          }
          if (!reserve(now)) {
            rejected.increment();
            return Decision.degraded(whenFull == WhenFull.ALLOW, Decision.Reason.STORE_FULL,
                transitions[0].limit());
          }
          Cell fresh = new Cell(transitions.length);
          cell = map.putIfAbsent(key, fresh);
          if (cell != null) {
            size.decrementAndGet();
          } else {
            cell = fresh;
            sweepSome(now);
          }
        }
        synchronized (cell) {
          if (!cell.dead) {
            return apply(cell, now, permits, outs);
          }
        }
      }
    }

    private Decision apply(Cell cell, long now, long permits, Outcome[] outs) {
      long[][] states = cell.states;
      for (int i = 0; i < transitions.length; i++) {
        transitions[i].evaluate(states[i], now, permits, outs[i]);
      }
      boolean commit = permits > 0 && Decisions.allAllowed(outs);
      long ttl = 0;
      for (int i = 0; i < transitions.length; i++) {
        if (commit) {
          states[i] = transitions[i].commit(states[i], now, permits, outs[i]);
        }
        ttl = Math.max(ttl, outs[i].resetAfter);
      }
      cell.expiresAt = now + ttl;
      return Decisions.combine(transitions, outs);
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      return CompletableFuture.completedFuture(acquire(key, permits));
    }

    /** Examines a few keys after each insertion, so expired ones leave at the pace new ones come. */
    private void sweepSome(long now) {
      if (!sweeping.compareAndSet(false, true)) {
        return;
      }
      try {
        Iterator<Map.Entry<String, Cell>> it = cursor;
        for (int i = 0; i < SWEEP_PER_INSERT; i++) {
          if (it == null || !it.hasNext()) {
            it = map.entrySet().iterator();
            if (!it.hasNext()) {
              break;
            }
          }
          Map.Entry<String, Cell> e = it.next();
          expireIfDue(e.getKey(), e.getValue(), now);
        }
        cursor = it;
      } finally {
        sweeping.set(false);
      }
    }

    void sweepAll(long now) {
      map.forEach((key, cell) -> expireIfDue(key, cell, now));
    }

    private void expireIfDue(String key, Cell cell, long now) {
      synchronized (cell) {
        if (cell.dead || cell.expiresAt > now) {
          return;
        }
        cell.dead = true;
      }
      if (map.remove(key, cell)) {
        size.decrementAndGet();
        expired.increment();
      }
    }
  }

  /** Settings of a {@link MemoryBackend}; each is validated when set. */
  public static final class Builder {
    private Clock clock = Clock.system();
    private long maxKeys = 1_000_000;
    private WhenFull whenFull = WhenFull.DENY;

    private Builder() {}

    /** The time source (default {@link Clock#system()}); tests pass a {@link dev.sluice.ManualClock}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /** The most keys kept at once over all limiters of the backend (default 1,000,000). */
    public Builder maxKeys(long maxKeys) {
      if (maxKeys < 1) {
        throw new IllegalArgumentException("maxKeys must be >= 1, was " + maxKeys);
      }
      this.maxKeys = maxKeys;
      return this;
    }

    /** What new keys get while the store is full of live keys (default {@link WhenFull#DENY}). */
    public Builder whenFull(WhenFull whenFull) {
      this.whenFull = Objects.requireNonNull(whenFull, "whenFull must not be null");
      return this;
    }

    public MemoryBackend build() {
      return new MemoryBackend(this);
    }
  }
}
