package dev.sluice.memory;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.internal.Decisions;
import dev.sluice.internal.Outcome;
import dev.sluice.internal.Transition;
import dev.sluice.internal.UpTo;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
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
 * <p><b>Concurrency.</b> Each key's state sits in one row of longs, updated under its monitor:
 * threads on different keys never contend, and all limits of a key change together or not at all.
 *
 * <p><b>Expiry.</b> Every state carries the time after which it equals "no state" (a full bucket,
 * an empty window). Such keys are removed by a little sweeping work done on each insertion, by a
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

  private boolean reserveKeySlot(long now) {
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

  /** {@code row[0]} of a key that was removed: whoever holds it must look the key up again. */
  private static final long DEAD = Long.MIN_VALUE;
  /** {@code row[0]} of a key inserted but not yet decided: it holds no state yet. */
  private static final long FRESH = Long.MAX_VALUE;

  /**
   * A key's value when its limiter has sliding window logs, whose state grows: the fixed-size row
   * plus one array per log. Otherwise the value is the row itself, a single {@code long[]}.
   */
  private static final class LogRow {
    final long[] row;
    final long[] @Nullable [] logs;

    LogRow(long[] row, int logs) {
      this.row = row;
      this.logs = new long[logs][];
    }
  }

  /**
   * The keys of one limiter. Each key maps to one row {@code [expiresAt, state of limit 0, state of
   * limit 1, ...]} (plus logs, see {@link LogRow}), guarded by the value's monitor.
   */
  private final class Table implements KeyedLimits {
    final Transition[] transitions;
    /** Offset of each limit's state in the row, or its index among the logs. */
    final int[] offsets;
    final int rowLength;
    final int logCount;
    final ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();
    final AtomicBoolean sweeping = new AtomicBoolean();
    @Nullable Iterator<Map.Entry<String, Object>> cursor;

    Table(List<Limit> limits) {
      this.transitions = new Transition[limits.size()];
      this.offsets = new int[limits.size()];
      int next = 1;
      int logs = 0;
      for (int i = 0; i < transitions.length; i++) {
        Transition t = Transition.of(Objects.requireNonNull(limits.get(i)));
        transitions[i] = t;
        if (t.width() < 0) {
          offsets[i] = logs++;
        } else {
          offsets[i] = next;
          next += t.width();
        }
      }
      this.rowLength = next;
      this.logCount = logs;
    }

    @Override
    public Decision acquire(String key, long permits) {
      return decide(key, permits, null);
    }

    @Override
    public Grant acquireUpTo(String key, long maxPermits) {
      long[] taken = new long[1];
      Decision d = decide(key, maxPermits, taken);
      return new Grant(taken[0], d);
    }

    @Override
    public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
      return CompletableFuture.completedFuture(acquireUpTo(key, maxPermits));
    }

    /**
     * Decides {@code permits} for {@code key}; with {@code taken} non-null, takes up to {@code
     * permits} instead and stores the amount taken in {@code taken[0]}.
     */
    private Decision decide(String key, long permits, long @Nullable [] taken) {
      if (closed) {
        throw new IllegalStateException("this MemoryBackend is closed");
      }
      long now = clock.nowMicros();
      Outcome[] outs = new Outcome[transitions.length];
      for (int i = 0; i < outs.length; i++) {
        outs[i] = new Outcome();
      }
      for (;;) {
        Object value = map.get(key);
        if (value == null) {
          // A key without state: decide from "no state"; store only what must be remembered.
          long k = taken == null ? permits : UpTo.permitsFromNoState(transitions, now, permits, outs);
          for (int i = 0; i < transitions.length; i++) {
            transitions[i].evaluate(null, 0, now, k, outs[i]);
          }
          if (k == 0 || !Decisions.allAllowed(outs)) {
            return Decisions.combine(transitions, outs);
          }
          if (!reserveKeySlot(now)) {
            rejected.increment();
            return Decision.degraded(whenFull == WhenFull.ALLOW, Decision.Reason.STORE_FULL,
                transitions[0].limit());
          }
          long[] row = new long[rowLength];
          row[0] = FRESH;
          Object fresh = logCount == 0 ? row : new LogRow(row, logCount);
          value = map.putIfAbsent(key, fresh);
          if (value != null) {
            size.decrementAndGet();
          } else {
            value = fresh;
            sweepSome(now);
          }
        }
        synchronized (value) {
          long[] row = rowOf(value);
          if (row[0] != DEAD) {
            return apply(key, value, row, now, permits, outs, taken);
          }
        }
      }
    }

    private Decision apply(String key, Object value, long[] row, long now, long max,
        Outcome[] outs, long @Nullable [] taken) {
      boolean fresh = row[0] == FRESH;
      long[] @Nullable [] logs = value instanceof LogRow lr ? lr.logs : null;
      long permits = max;
      if (taken != null) { // take up to max: first what every limit can give now
        evaluateAll(fresh ? null : row, logs, now, 0, outs);
        permits = UpTo.permits(max, outs);
      }
      evaluateAll(fresh ? null : row, logs, now, permits, outs);
      boolean commit = permits > 0 && Decisions.allAllowed(outs);
      if (taken != null) {
        taken[0] = commit ? permits : 0;
      }
      if (fresh && !commit) { // nothing to store: drop the row (its inserter looks up again)
        row[0] = DEAD;
        if (map.remove(key, value)) {
          size.decrementAndGet();
        }
        return Decisions.combine(transitions, outs);
      }
      if (commit) { // otherwise the state, and so its expiry, is unchanged
        long ttl = 0;
        for (int i = 0; i < transitions.length; i++) {
          Transition t = transitions[i];
          if (t.width() < 0) {
            logs[offsets[i]] = t.commit(logs[offsets[i]], 0, now, permits, outs[i]);
          } else {
            t.commit(row, offsets[i], now, permits, outs[i]);
          }
          ttl = Math.max(ttl, outs[i].resetAfter);
        }
        row[0] = now + ttl;
      }
      return Decisions.combine(transitions, outs);
    }

    private void evaluateAll(long @Nullable [] row, long[] @Nullable [] logs, long now,
        long permits, Outcome[] outs) {
      for (int i = 0; i < transitions.length; i++) {
        Transition t = transitions[i];
        if (t.width() < 0) {
          t.evaluate(logs[offsets[i]], 0, now, permits, outs[i]);
        } else {
          t.evaluate(row, offsets[i], now, permits, outs[i]);
        }
      }
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      return CompletableFuture.completedFuture(acquire(key, permits));
    }

    // ---- reserve, refund, reset: key lookup here, per-row logic in the *Row helpers below ----

    @Override
    public Reservation reserve(String key, long permits, long maxWaitMicros) {
      checkOpen();
      long now = clock.nowMicros();
      Outcome[] outs = outcomes();
      for (;;) {
        Object value = map.get(key);
        if (value == null) {
          // No state: buckets are full and windows empty, so nothing waits and this is exactly
          // acquire's answer; store only what must be remembered. (Under the monitor the FRESH
          // row inserted below evaluates the same, so it is committed.)
          for (int i = 0; i < transitions.length; i++) {
            transitions[i].evaluate(null, 0, now, permits, outs[i]);
          }
          if (permits == 0 || !Decisions.allAllowed(outs)) {
            return Reservation.immediate(Decisions.combine(transitions, outs));
          }
          value = insertFresh(key, now);
          if (value == null) {
            rejected.increment();
            return Reservation.immediate(Decision.degraded(whenFull == WhenFull.ALLOW,
                Decision.Reason.STORE_FULL, transitions[0].limit()));
          }
        }
        synchronized (value) {
          long[] row = rowOf(value);
          if (row[0] != DEAD) {
            // A FRESH row (ours, or one whose inserter has not decided yet) holds no state; if
            // nothing is committed it stays FRESH and its inserter drops it.
            return reserveRow(row[0] == FRESH ? null : row, row, logsOf(value), now, permits,
                maxWaitMicros, outs);
          }
        }
      }
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits,
        long maxWaitMicros) {
      return CompletableFuture.completedFuture(reserve(key, permits, maxWaitMicros));
    }

    @Override
    public Decision refund(String key, long permits) {
      checkOpen();
      long now = clock.nowMicros();
      Outcome[] outs = outcomes();
      for (;;) {
        Object value = map.get(key);
        if (value == null) { // a key without state stays so: nothing is created
          return checkOfNoState(now, outs);
        }
        Decision d = null;
        boolean drop = false;
        synchronized (value) {
          long[] row = rowOf(value);
          if (row[0] == DEAD) {
            continue;
          }
          if (row[0] != FRESH) { // FRESH: no state yet, its inserter decides
            d = refundRow(row, logsOf(value), now, permits, outs);
            drop = permits > 0 && row[0] <= now;
            if (drop) { // the refund left no state: forget the key now
              row[0] = DEAD;
            }
          }
        }
        if (drop && map.remove(key, value)) {
          size.decrementAndGet();
        }
        return d != null ? d : checkOfNoState(now, outs);
      }
    }

    @Override
    public CompletionStage<Decision> refundAsync(String key, long permits) {
      return CompletableFuture.completedFuture(refund(key, permits));
    }

    @Override
    public void reset(String key) {
      checkOpen();
      Object value = map.get(key);
      if (value == null) {
        return;
      }
      synchronized (value) {
        rowOf(value)[0] = DEAD; // whoever holds it (even a FRESH row's inserter) looks up again
      }
      if (map.remove(key, value)) {
        size.decrementAndGet();
      }
    }

    @Override
    public CompletionStage<Void> resetAsync(String key) {
      reset(key);
      return CompletableFuture.completedFuture(null);
    }

    /**
     * Reserves {@code permits} on one key's row, under its monitor: every limit evaluates with
     * {@code maxWait}; if all admit a positive number of permits (buckets possibly into debt) all
     * commit and the row expires with its new state; otherwise nothing is written and a denial is
     * acquire's. {@code state} is {@code row}, or null for a row without state yet (then {@code
     * logs} holds nulls).
     */
    private Reservation reserveRow(long @Nullable [] state, long[] row,
        long[] @Nullable [] logs, long now, long permits, long maxWait, Outcome[] outs) {
      for (int i = 0; i < transitions.length; i++) {
        Transition t = transitions[i];
        t.evaluate(t.width() < 0 ? logs[offsets[i]] : state, t.width() < 0 ? 0 : offsets[i], now,
            permits, maxWait, outs[i]);
      }
      boolean admitted = Decisions.allAllowed(outs);
      if (permits > 0 && admitted) {
        long ttl = 0;
        for (int i = 0; i < transitions.length; i++) {
          Transition t = transitions[i];
          if (t.width() < 0) {
            logs[offsets[i]] = t.commit(logs[offsets[i]], 0, now, permits, outs[i]);
          } else {
            t.commit(row, offsets[i], now, permits, outs[i]);
          }
          ttl = Math.max(ttl, outs[i].resetAfter);
        }
        row[0] = now + ttl;
        return new Reservation(Decisions.combine(transitions, outs), Decisions.wait(outs));
      }
      if (!admitted) { // some limit denied: the answer is acquire's denial
        evaluateAll(state, logs, now, permits, outs);
      }
      return Reservation.immediate(Decisions.combine(transitions, outs));
    }

    /**
     * Gives {@code permits} back to every limit of one key's row (which holds state), under its
     * monitor, and sets its expiry from the new state; an expiry at or before now means the row
     * holds no state any more. Returns the key's zero-permit check afterwards.
     */
    private Decision refundRow(long[] row, long[] @Nullable [] logs, long now, long permits,
        Outcome[] outs) {
      if (permits > 0) {
        for (int i = 0; i < transitions.length; i++) {
          Transition t = transitions[i];
          if (t.width() < 0) {
            t.refund(logs[offsets[i]], 0, now, permits);
          } else {
            t.refund(row, offsets[i], now, permits);
          }
        }
      }
      evaluateAll(row, logs, now, 0, outs);
      if (permits > 0) {
        long ttl = 0;
        for (Outcome o : outs) {
          ttl = Math.max(ttl, o.resetAfter);
        }
        row[0] = now + ttl;
      }
      return Decisions.combine(transitions, outs);
    }

    /**
     * Inserts a row without state (FRESH) for {@code key} and returns it, or returns the value
     * another thread inserted first; null when the store is full of live keys.
     */
    private @Nullable Object insertFresh(String key, long now) {
      if (!reserveKeySlot(now)) {
        return null;
      }
      long[] row = new long[rowLength];
      row[0] = FRESH;
      Object fresh = logCount == 0 ? row : new LogRow(row, logCount);
      Object value = map.putIfAbsent(key, fresh);
      if (value != null) {
        size.decrementAndGet();
        return value;
      }
      sweepSome(now);
      return fresh;
    }

    /** The zero-permit check of a key without state. */
    private Decision checkOfNoState(long now, Outcome[] outs) {
      for (int i = 0; i < transitions.length; i++) {
        transitions[i].evaluate(null, 0, now, 0, outs[i]);
      }
      return Decisions.combine(transitions, outs);
    }

    private Outcome[] outcomes() {
      Outcome[] outs = new Outcome[transitions.length];
      for (int i = 0; i < outs.length; i++) {
        outs[i] = new Outcome();
      }
      return outs;
    }

    private void checkOpen() {
      if (closed) {
        throw new IllegalStateException("this MemoryBackend is closed");
      }
    }

    /** Examines a few keys after each insertion, so expired ones leave at the pace new ones come. */
    private void sweepSome(long now) {
      if (!sweeping.compareAndSet(false, true)) {
        return;
      }
      try {
        Iterator<Map.Entry<String, Object>> it = cursor;
        for (int i = 0; i < SWEEP_PER_INSERT; i++) {
          if (it == null || !it.hasNext()) {
            it = map.entrySet().iterator();
            if (!it.hasNext()) {
              break;
            }
          }
          Map.Entry<String, Object> e = it.next();
          expireIfDue(e.getKey(), e.getValue(), now);
        }
        cursor = it;
      } finally {
        sweeping.set(false);
      }
    }

    void sweepAll(long now) {
      map.forEach((key, value) -> expireIfDue(key, value, now));
    }

    private void expireIfDue(String key, Object value, long now) {
      synchronized (value) {
        long[] row = rowOf(value);
        if (row[0] == DEAD || row[0] > now) { // FRESH is MAX_VALUE: never due
          return;
        }
        row[0] = DEAD;
      }
      if (map.remove(key, value)) {
        size.decrementAndGet();
        expired.increment();
      }
    }
  }

  private static long[] rowOf(Object value) {
    return value instanceof long[] row ? row : ((LogRow) value).row;
  }

  private static long[] @Nullable [] logsOf(Object value) {
    return value instanceof LogRow lr ? lr.logs : null;
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
