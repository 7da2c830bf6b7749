package dev.sluice.eventual;

import dev.sluice.Algorithm;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The eventually consistent mode: decisions come from local state, and the hits admitted here are
 * reported to a <em>global</em> backend (Redis, shared by every instance) in batches, every {@link
 * Builder#syncInterval(Duration) sync interval} or as soon as {@link Builder#maxBatch(int) enough
 * keys} are waiting. Each reply updates the local view of the key. A decision never waits on the
 * network, except with {@link FirstSight#SYNC} for a key without a fresh view.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.create("redis://localhost:6379");
 * EventualBackend eventual = EventualBackend.builder(redis).syncInterval(Duration.ofMillis(100))
 *     .build();
 * RateLimiter limiter = RateLimiter.create(eventual, Limit.parseAll("1000/minute"));
 * ...
 * eventual.close(); // final sync; then close redis
 * }</pre>
 *
 * <p><b>Per key</b> it keeps: the permits {@code remaining} (the global remaining at the last
 * reply, minus the hits admitted here since), the hits {@code pending} (admitted here, not yet
 * reported), and, once the global store denied the key, the time until which it is denied. A
 * request is admitted locally iff the key is not known to be denied and its permits fit in {@code
 * remaining}. A sync reports each touched key's pending hits with {@link
 * KeyedLimits#acquireUpTo(String, long)}: the store counts what still fits; the rest is the
 * fleet's overshoot, counted in {@link Counters#hitsRefused()}. A touched key with nothing pending
 * is refreshed with a zero-permit take (which reports when a denied key frees). At most one sync
 * per key is in flight; hits admitted meanwhile wait for the next.
 *
 * <p><b>Overshoot.</b> Instances spend the same global remaining until their next reply, so a
 * fleet of {@code N} instances can admit more than the limit: per sync round, at most what the
 * other {@code N - 1} instances admit in one interval plus the network delay (see {@code
 * docs/distributed.md} for the bound and the measurements). Use the consistent mode (the global
 * backend directly) where the limit must be exact.
 *
 * <p><b>Failures.</b> When a sync fails (an exception, or a {@link Decision#degraded() degraded}
 * answer from the global backend), the hits are kept pending (at most the tightest limit's
 * capacity per key; the excess is counted in {@link Counters#hitsDropped()}) and re-sent at the
 * next sync. Until a call to the store succeeds again, decisions are delegated to the global
 * backend itself, which answers by its failure policy (a Redis backend with an open circuit
 * answers at once), and the hits its policy admits are kept pending too. An instance that dies
 * loses at most its pending hits.
 *
 * <p><b>Reserve, refund, reset.</b> A reservation is decided locally like a decision; when every
 * limit is a bucket it may take permits into local debt (owed permits, sent at the next sync with
 * a reservation so that the global store carries the debt for every instance). A refund takes back
 * unreported permits locally and refunds the rest in the store at once; a reset forgets the local
 * view and resets the store. See {@code docs/distributed.md}.
 *
 * <p><b>Memory.</b> At most {@link Builder#maxKeys(long) maxKeys} keys are tracked. A key idle
 * past its global reset, with nothing pending, is dropped at a sync (its next request is a first
 * sight again). When the map is full of live keys, new keys are decided by the global store
 * directly (exact, one round trip each).
 *
 * <p>This backend does not close the global backend: close it after this one.
 */
public final class EventualBackend implements Backend {

  private static final long CLOSE_WAIT_MILLIS = 2_000;
  private static final int SWEEP_PER_SYNC = 64;

  private final Backend global;
  private final Clock clock;
  private final long intervalMicros;
  private final int maxBatch;
  private final FirstSight firstSight;
  private final long maxKeys;
  private final @Nullable ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final @Nullable ScheduledFuture<?> task;
  private final List<EventualLimits> limiters = new CopyOnWriteArrayList<>();
  private final AtomicLong size = new AtomicLong();
  /** Keys waiting in the sync queues of all limiters (approximate). */
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicBoolean batchSyncQueued = new AtomicBoolean();
  private volatile boolean healthy = true;
  private volatile long nextSyncAt;
  private volatile boolean closed;

  private final LongAdder syncs = new LongAdder();
  private final LongAdder keysSent = new LongAdder();
  private final LongAdder hitsSent = new LongAdder();
  private final LongAdder hitsRefused = new LongAdder();
  private final LongAdder hitsDropped = new LongAdder();
  private final LongAdder storeFailures = new LongAdder();
  private final LongAdder localDecisions = new LongAdder();
  private final LongAdder storeDecisions = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  private EventualBackend(Builder b) {
    this.global = b.global;
    this.clock = b.clock;
    this.intervalMicros = b.intervalMicros;
    this.maxBatch = b.maxBatch;
    this.firstSight = b.firstSight;
    this.maxKeys = b.maxKeys;
    this.nextSyncAt = clock.nowMicros() + intervalMicros;
    if (b.manual) {
      this.scheduler = null;
      this.ownsScheduler = false;
      this.task = null;
    } else {
      this.ownsScheduler = b.scheduler == null;
      ScheduledExecutorService s = b.scheduler != null ? b.scheduler
          : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-eventual-sync");
            t.setDaemon(true);
            return t;
          });
      this.scheduler = s;
      this.task = s.scheduleAtFixedRate(this::scheduledSync, intervalMicros, intervalMicros,
          TimeUnit.MICROSECONDS);
    }
  }

  /** A builder wrapping {@code global}, the store shared by every instance (usually Redis). */
  public static Builder builder(Backend global) {
    return new Builder(Objects.requireNonNull(global, "global backend must not be null"));
  }

  @Override
  public KeyedLimits open(List<Limit> limits) {
    if (closed) {
      throw new IllegalStateException("this EventualBackend is closed");
    }
    EventualLimits l = new EventualLimits(List.copyOf(limits), global.open(limits));
    limiters.add(l);
    return l;
  }

  /**
   * Reports the pending hits of every touched key to the global store now (without waiting for
   * the replies). The scheduler calls this every sync interval; with {@link Builder#manualSync()}
   * the caller does. The stage completes when every reply of this round has been applied (or
   * failed; failures are counted, never thrown).
   */
  public CompletionStage<Void> syncNow() {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    long now = clock.nowMicros();
    nextSyncAt = now + intervalMicros;
    syncs.increment();
    List<CompletableFuture<?>> replies = new ArrayList<>();
    for (EventualLimits l : limiters) {
      l.sync(now, replies);
    }
    return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new));
  }

  /** A snapshot of this backend's counters, cumulative since it was built. */
  public Counters counters() {
    return new Counters(syncs.sum(), keysSent.sum(), hitsSent.sum(), hitsRefused.sum(),
        hitsDropped.sum(), storeFailures.sum(), localDecisions.sum(), storeDecisions.sum(),
        evictions.sum(), size.get());
  }

  /** Whether the last call to the global store succeeded (decisions are local only then). */
  public boolean storeHealthy() {
    return healthy;
  }

  /** The sync interval in force. */
  public Duration syncInterval() {
    return Duration.ofNanos(intervalMicros * 1_000);
  }

  /**
   * Sends the pending hits one last time (waiting at most 2 s for the replies), then stops the
   * scheduler it started. Does not close the global backend. Limiters opened from this backend
   * stop working.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (task != null) {
      task.cancel(false);
    }
    try {
      syncNow().toCompletableFuture().get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // best effort: the hits not acknowledged are lost, as when the process dies
    }
    closed = true;
    if (ownsScheduler && scheduler != null) {
      scheduler.shutdownNow();
    }
    for (EventualLimits l : limiters) {
      size.addAndGet(-l.map.size());
      l.map.clear();
    }
    limiters.clear();
  }

  private void scheduledSync() {
    try {
      syncNow();
    } catch (RuntimeException e) {
      storeFailures.increment(); // never let an exception cancel the periodic sync
    }
  }

  /** Too many keys wait: sync now (on the scheduler, or inline in manual mode). */
  private void batchFull() {
    if (scheduler == null) {
      syncNow();
    } else if (batchSyncQueued.compareAndSet(false, true)) {
      try {
        scheduler.execute(() -> {
          batchSyncQueued.set(false);
          scheduledSync();
        });
      } catch (RuntimeException e) { // rejected: the scheduler is shutting down
        batchSyncQueued.set(false);
      }
    }
  }

  private boolean reserveKeySlot() {
    if (size.incrementAndGet() <= maxKeys) {
      return true;
    }
    size.decrementAndGet();
    long now = clock.nowMicros();
    for (EventualLimits l : limiters) {
      l.sweep(now, Integer.MAX_VALUE);
    }
    if (size.incrementAndGet() <= maxKeys) {
      return true;
    }
    size.decrementAndGet();
    return false;
  }

  /**
   * Counters of an {@link EventualBackend}, cumulative since it was built (except {@code keys}).
   *
   * @param syncs sync rounds run (periodic, batch-full and manual)
   * @param keysSent keys reported to the global store (one take-up-to call each)
   * @param hitsSent locally admitted hits reported to the global store (with the permits of local
   *     reservations, owed ones included)
   * @param hitsRefused reported hits the global store had no room for: the fleet's overshoot as
   *     seen by this instance (owed permits it refused to carry in debt count too)
   * @param hitsDropped pending hits discarded because a key's pending count reached its cap
   *     during a global store outage
   * @param storeFailures sync calls that failed or were answered degraded
   * @param localDecisions decisions answered from local state
   * @param storeDecisions decisions answered by the global store (first sight with {@link
   *     FirstSight#SYNC}, outages, a full key map)
   * @param evictions idle keys dropped
   * @param keys keys tracked now
   */
  public record Counters(long syncs, long keysSent, long hitsSent, long hitsRefused,
      long hitsDropped, long storeFailures, long localDecisions, long storeDecisions,
      long evictions, long keys) {}

  /** One key's local view; guarded by its own monitor. */
  private static final class Entry {
    final String key;
    /** Permits left as far as this instance knows. */
    long remaining;
    /** The global store denied the key: deny locally until then (µs). */
    long deniedUntil = Long.MIN_VALUE;
    /** Hits admitted here and not yet sent. */
    long pending;
    /**
     * Permits reserved here beyond the local {@code remaining} (local debt), not yet sent; they
     * are reported with a reservation, which the store carries as its own debt.
     */
    long owed;
    /** Owed permits sent and not yet acknowledged. */
    long owedInFlight;
    /** A sync call for this key is in flight. */
    boolean inFlight;
    /** The key waits in its limiter's sync queue. */
    boolean queued;
    /** Removed from the map: look the key up again. */
    boolean removed;
    /** When the global state would be "no state", as of the last reply (µs). */
    long resetAt;
    /** When the store last told this entry its state (µs); MIN_VALUE: never (a local guess). */
    long viewAt = Long.MIN_VALUE;
    long touchedAt;
    Limit limit;

    /**
     * Takes the store's answer {@code d}, given directly (not through a sync), as this entry's
     * view at {@code now}: what is still pending or owed here comes off its remaining. Guarded by
     * this entry.
     */
    void viewFrom(Decision d, long now) {
      limit = d.limit();
      resetAt = now + d.resetAfterMicros();
      viewAt = now;
      remaining = Math.max(0, d.remaining() - pending) - owed - owedInFlight;
    }

    Entry(String key, long remaining, Limit limit, long now) {
      this.key = key;
      this.remaining = remaining;
      this.limit = limit;
      this.resetAt = now;
      this.touchedAt = now;
    }
  }

  /** The keys of one limiter, in front of that limiter's keyed limits in the global store. */
  private final class EventualLimits implements KeyedLimits {
    final List<Limit> limits;
    final KeyedLimits store;
    /** The limit with the smallest capacity, and that capacity: the most a key ever holds. */
    final Limit tightest;
    final long capacity;
    /** Every limit is a bucket (token bucket, GCRA): only then can a reservation go into debt. */
    final boolean buckets;
    /** The longest emission interval of the limits, period / count, as [period, count]. */
    final long[] slowest;
    final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    /** Where the incremental sweep goes on; used by one sweeping sync at a time. */
    @Nullable Iterator<Map.Entry<String, Entry>> cursor;
    final AtomicBoolean sweeping = new AtomicBoolean();

    EventualLimits(List<Limit> limits, KeyedLimits store) {
      this.limits = limits;
      this.store = store;
      Limit t = limits.get(0);
      for (Limit l : limits) {
        if (l.capacity() < t.capacity()) {
          t = l;
        }
      }
      this.tightest = t;
      this.capacity = t.capacity();
      boolean allBuckets = true;
      long[] slow = {limits.get(0).periodMicros(), limits.get(0).count()};
      for (Limit l : limits) {
        allBuckets &= l.algorithm() == Algorithm.TOKEN_BUCKET || l.algorithm() == Algorithm.GCRA;
        if (BigInteger.valueOf(l.periodMicros()).multiply(BigInteger.valueOf(slow[1])).compareTo(
            BigInteger.valueOf(slow[0]).multiply(BigInteger.valueOf(l.count()))) > 0) {
          slow = new long[] {l.periodMicros(), l.count()};
        }
      }
      this.buckets = allBuckets;
      this.slowest = slow;
    }

    @Override
    public Decision acquire(String key, long permits) {
      long now = clock.nowMicros();
      Decision local = local(key, permits, now, e -> decideLocally(e, permits, now));
      return local != null ? local : fromStore(key, permits, now, store.acquire(key, permits));
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      long now = clock.nowMicros();
      Decision local = local(key, permits, now, e -> decideLocally(e, permits, now));
      return local != null ? CompletableFuture.completedFuture(local)
          : store.acquireAsync(key, permits).thenApply(d -> fromStore(key, permits, now, d));
    }

    /**
     * Decided locally when acquire would be: what fits in the local view is taken at once (wait
     * 0, pending hits as for acquire). When every limit is a bucket, more may be taken into local
     * debt: {@code remaining} goes below zero, the wait is the time the slowest limit needs to
     * refill what is missing (counted from when the store said the key frees, if it is denied),
     * and the owed permits are reported at the next sync with a reservation, so the store carries
     * the debt for every instance. At most the tightest capacity is owed locally. Otherwise (window
     * limits, too long a wait) the answer is acquire's, wait 0. Keys the store must decide (first
     * sight with {@link FirstSight#SYNC}, a stale view, an outage, a full map) are reserved in the
     * store, exactly.
     */
    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits,
        long maxWaitMicros) {
      long now = clock.nowMicros();
      Reservation local = local(key, permits, now,
          e -> reserveLocally(e, permits, maxWaitMicros, now));
      if (local != null) {
        return CompletableFuture.completedFuture(local);
      }
      return store.reserveAsync(key, permits, maxWaitMicros).thenApply(r -> {
        Decision d = fromStore(key, permits, now, r.decision());
        if (d.allowed() && !d.degraded() && r.waitMicros() > 0) {
          Entry e = map.get(key);
          if (e != null) {
            synchronized (e) { // the store holds the debt: nothing frees before it is due
              e.deniedUntil = now + r.waitMicros();
            }
          }
        }
        return r;
      });
    }

    /** Under e's monitor: {@link #reserveAsync}'s local answer. */
    private Reservation reserveLocally(Entry e, long permits, long maxWait, long now) {
      long r = e.remaining;
      boolean denied = now < e.deniedUntil;
      if (maxWait == 0 || !buckets || permits == 0 || permits > capacity
          || (!denied && permits <= r) || r - permits < -capacity) {
        return Reservation.immediate(decideLocally(e, permits, now));
      }
      long need = permits - (denied ? Math.min(r, 0) : r); // >= 1: permits still to accrue
      long wait = denied ? e.deniedUntil - now + timeOf(need - 1) : timeOf(need);
      if (wait > maxWait) {
        return Reservation.immediate(decideLocally(e, permits, now));
      }
      localDecisions.increment();
      long hits = denied ? 0 : Math.min(permits, Math.max(0, r));
      e.pending += hits;
      e.owed += permits - hits;
      e.remaining = r - permits;
      long reset = Math.max(resetAfter(e, now), wait + timeOf(capacity));
      return new Reservation(Decision.allowed(e.limit, 0, reset), wait);
    }

    /** ceil(n × period / count) of the slowest limit, µs (saturated). */
    private long timeOf(long n) {
      BigInteger[] qr = BigInteger.valueOf(n).multiply(BigInteger.valueOf(slowest[0]))
          .divideAndRemainder(BigInteger.valueOf(slowest[1]));
      BigInteger t = qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
      return t.bitLength() < 63 ? t.longValueExact() : Long.MAX_VALUE;
    }

    /**
     * Unreported permits of the key are given back here first (owed, then pending hits: they
     * never reach the store); the rest is refunded in the store at once (one call), whose
     * zero-permit check updates the local view. Returns the zero-permit check after the refund:
     * the local one when nothing had to reach the store.
     */
    @Override
    public CompletionStage<Decision> refundAsync(String key, long permits) {
      if (closed) {
        throw new IllegalStateException("this EventualBackend is closed");
      }
      long now = clock.nowMicros();
      Entry e = map.get(key);
      long rest = permits;
      if (e != null) {
        synchronized (e) {
          if (!e.removed) {
            long owed = Math.min(rest, e.owed);
            e.owed -= owed;
            long hits = Math.min(rest - owed, e.pending);
            e.pending -= hits;
            rest -= owed + hits;
            e.remaining = Math.min(capacity, e.remaining + owed + hits);
            if (rest == 0) {
              return CompletableFuture.completedFuture(decideLocally(e, 0, now));
            }
          }
        }
      }
      return store.refundAsync(key, rest).thenApply(d -> learn(key, d, now));
    }

    /** The store's zero-permit check after a refund, applied to the key's view if there is one. */
    private Decision learn(String key, Decision d, long now) {
      storeDecisions.increment();
      if (d.degraded()) {
        healthy = false;
        return d;
      }
      healthy = true;
      Entry e = map.get(key);
      if (e != null) {
        synchronized (e) {
          if (!e.removed) {
            e.viewFrom(d, now);
            if (d.remaining() > 0) {
              e.deniedUntil = Long.MIN_VALUE;
            }
          }
        }
      }
      return d;
    }

    /**
     * Forgets the key here (its unreported hits and debt belong to the state being reset; its
     * next request is a first sight) and resets it in the store (one call). Completes when the
     * store has; exceptionally when the store could not (the local view is gone all the same).
     */
    @Override
    public CompletionStage<Void> resetAsync(String key) {
      if (closed) {
        throw new IllegalStateException("this EventualBackend is closed");
      }
      Entry e = map.get(key);
      if (e != null) {
        synchronized (e) {
          e.removed = true;
        }
        if (map.remove(key, e)) {
          size.decrementAndGet();
        }
      }
      return store.resetAsync(key);
    }

    @Override
    public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
      if (closed) {
        throw new IllegalStateException("this EventualBackend is closed");
      }
      long now = clock.nowMicros();
      for (;;) {
        Entry e = healthy ? map.get(key) : null;
        if (e == null) { // not decidable locally: the store takes them, exactly
          return store.acquireUpToAsync(key, maxPermits)
              .thenApply(g -> new Grant(g.taken(), fromStore(key, g.taken(), now, g.decision())));
        }
        boolean full;
        Grant g;
        synchronized (e) {
          if (e.removed) {
            continue;
          }
          long take = now < e.deniedUntil ? 0 : Math.min(maxPermits, Math.max(0, e.remaining));
          Decision d = take == 0 && maxPermits > 0 ? decideLocally(e, 1, now)
              : decideLocally(e, take, now);
          g = new Grant(d.allowed() ? take : 0, d);
          full = touch(e, now);
        }
        if (full) {
          batchFull();
        }
        return CompletableFuture.completedFuture(g);
      }
    }

    /**
     * {@code decide}'s answer from the key's entry (under its monitor), or null when the global
     * store must answer.
     */
    private <T> @Nullable T local(String key, long permits, long now, Function<Entry, T> decide) {
      if (closed) {
        throw new IllegalStateException("this EventualBackend is closed");
      }
      if (!healthy) {
        return null;
      }
      for (;;) {
        Entry e = map.get(key);
        if (e == null) {
          if (firstSight == FirstSight.SYNC) {
            return null;
          }
          e = insert(key, now);
          if (e == null) {
            return null; // full of live keys: the store decides, exactly
          }
        }
        T d;
        boolean full;
        synchronized (e) {
          if (e.removed) {
            continue;
          }
          if (firstSight == FirstSight.SYNC && permits > 0 && now >= e.deniedUntil
              && e.viewAt < now - 2 * intervalMicros) {
            return null; // a stale view: ask the store, as on a first sight
          }
          d = decide.apply(e);
          full = touch(e, now);
        }
        if (full) {
          batchFull();
        }
        return d;
      }
    }

    /** A new entry assuming a fresh key, or the one another thread inserted first. */
    private @Nullable Entry insert(String key, long now) {
      if (!reserveKeySlot()) {
        return null;
      }
      Entry fresh = new Entry(key, capacity, tightest, now);
      Entry e = map.putIfAbsent(key, fresh);
      if (e != null) {
        size.decrementAndGet();
        return e;
      }
      return fresh;
    }

    private Decision decideLocally(Entry e, long permits, long now) {
      localDecisions.increment();
      long remaining = Math.max(0, e.remaining);
      if (permits > capacity) {
        return Decision.denied(firstBelow(permits), remaining, resetAfter(e, now), Long.MAX_VALUE);
      }
      if (permits > 0 && now < e.deniedUntil) {
        return Decision.denied(e.limit, 0, resetAfter(e, now), e.deniedUntil - now);
      }
      if (permits == 0) {
        return Decision.allowed(e.limit, now < e.deniedUntil ? 0 : remaining, resetAfter(e, now));
      }
      if (permits <= remaining) {
        e.remaining = remaining - permits;
        e.pending += permits;
        return Decision.allowed(e.limit, e.remaining, resetAfter(e, now));
      }
      // Out of local permits: fresh global state arrives with the next sync's reply.
      long retry = nextSyncAt - now;
      return Decision.denied(e.limit, remaining, resetAfter(e, now),
          retry > 0 ? retry : intervalMicros);
    }

    /** The first limit whose capacity is below {@code permits}: it can never admit them. */
    private Limit firstBelow(long permits) {
      for (Limit l : limits) {
        if (l.capacity() < permits) {
          return l;
        }
      }
      return tightest;
    }

    /** Aged from the last reply; a key with local hits resets no sooner than one period away. */
    private long resetAfter(Entry e, long now) {
      long r = e.resetAt - now;
      if (r > 0) {
        return r;
      }
      return e.pending > 0 ? e.limit.periodMicros() : 0;
    }

    /** Marks the key for the next sync; true when enough keys wait to sync at once. */
    private boolean touch(Entry e, long now) {
      e.touchedAt = now;
      if (e.queued) {
        return false;
      }
      e.queued = true;
      queue.add(e);
      return waiting.incrementAndGet() >= maxBatch;
    }

    /** Applies an answer of the global store to the key's entry (creating it if there is room). */
    private Decision fromStore(String key, long permits, long now, Decision d) {
      storeDecisions.increment();
      if (d.degraded()) {
        healthy = false;
        if (d.allowed() && permits > 0) { // admitted by the store's failure policy: report later
          Entry e = map.get(key);
          if (e == null) {
            e = insert(key, now);
          }
          if (e != null) {
            synchronized (e) {
              if (!e.removed) {
                keep(e, permits);
                e.remaining = Math.max(0, e.remaining - permits);
                touch(e, now);
              }
            }
          }
        }
        return d;
      }
      healthy = true;
      Entry e = map.get(key);
      if (e == null) {
        e = insert(key, now);
      }
      if (e != null) {
        synchronized (e) {
          if (!e.removed) {
            e.viewFrom(d, now);
            e.deniedUntil = !d.allowed() && d.remaining() == 0 && permits == 1
                ? now + d.retryAfterMicros() : Long.MIN_VALUE;
          }
        }
      }
      return d;
    }

    /** Adds hits to the key's pending count, capped at the capacity. */
    private void keep(Entry e, long hits) {
      long total = e.pending + hits;
      if (total > capacity) {
        hitsDropped.add(total - capacity);
        total = capacity;
      }
      e.pending = total;
    }

    /** Sends every queued key's pending hits; adds one future per call to {@code replies}. */
    void sync(long now, List<CompletableFuture<?>> replies) {
      List<Entry> busy = new ArrayList<>();
      int n = waiting.get();
      Entry e;
      for (int i = 0; i < n && (e = queue.poll()) != null; i++) {
        long send;
        long owed;
        synchronized (e) {
          e.queued = false;
          waiting.decrementAndGet();
          if (e.removed) {
            continue;
          }
          if (e.inFlight || e.owedInFlight > 0) {
            busy.add(e);
            continue;
          }
          if (e.pending == 0 && e.owed == 0 && now < e.deniedUntil) {
            continue; // known to be denied until then: nothing to learn yet
          }
          send = e.pending;
          e.pending = 0;
          e.inFlight = true;
          owed = e.owed;
          e.owed = 0;
          e.owedInFlight = owed;
        }
        keysSent.increment();
        hitsSent.add(send + owed);
        Entry sent = e;
        CompletableFuture<Grant> call;
        try {
          call = store.acquireUpToAsync(e.key, send).toCompletableFuture();
        } catch (RuntimeException ex) {
          call = CompletableFuture.failedFuture(ex);
        }
        replies.add(call.handle((g, error) -> {
          onReply(sent, send, g, error);
          return null;
        }));
        if (owed > 0) { // after the hits, in the store's order too: its debt
          CompletableFuture<Reservation> debt;
          try {
            debt = store.reserveAsync(e.key, owed, Long.MAX_VALUE).toCompletableFuture();
          } catch (RuntimeException ex) {
            debt = CompletableFuture.failedFuture(ex);
          }
          replies.add(debt.handle((r, error) -> {
            onDebtReply(sent, owed, r, error);
            return null;
          }));
        }
      }
      for (Entry b : busy) {
        synchronized (b) {
          touch(b, b.touchedAt);
        }
      }
      sweep(now, Math.max(SWEEP_PER_SYNC, n));
    }

    private void onReply(Entry e, long sent, @Nullable Grant g, @Nullable Throwable error) {
      long now = clock.nowMicros();
      boolean failed = error != null || g == null || g.decision().degraded();
      if (failed) {
        storeFailures.increment();
        healthy = false;
      } else {
        healthy = true;
        hitsRefused.add(sent - g.taken());
      }
      synchronized (e) {
        e.inFlight = false;
        if (failed) {
          keep(e, sent);
          if (!e.removed) {
            touch(e, e.touchedAt); // re-sent at the next sync
          }
          return;
        }
        Decision d = g.decision();
        e.limit = d.limit();
        e.resetAt = now + d.resetAfterMicros();
        e.viewAt = now;
        if (d.allowed()) {
          e.remaining = Math.max(0, d.remaining() - e.pending) - e.owed - e.owedInFlight;
          e.deniedUntil = Long.MIN_VALUE;
        } else {
          e.remaining = -e.owed - e.owedInFlight;
          e.deniedUntil = d.retryAfterMicros() == Long.MAX_VALUE ? Long.MAX_VALUE
              : now + d.retryAfterMicros();
        }
      }
    }

    /**
     * The store's answer to owed permits: admitted (in debt) its view is the latest; a failure
     * keeps them owed for the next sync; a denial (more than the store can ever carry) refuses
     * them, as the store refuses hits that do not fit.
     */
    private void onDebtReply(Entry e, long owed, @Nullable Reservation r,
        @Nullable Throwable error) {
      long now = clock.nowMicros();
      boolean failed = error != null || r == null || r.decision().degraded();
      if (failed) {
        storeFailures.increment();
        healthy = false;
      } else if (!r.decision().allowed()) {
        hitsRefused.add(owed);
      }
      synchronized (e) {
        e.owedInFlight = 0;
        if (failed) {
          long total = e.owed + owed;
          if (total > capacity) {
            hitsDropped.add(total - capacity);
            total = capacity;
          }
          e.owed = total;
          if (!e.removed) {
            touch(e, e.touchedAt);
          }
          return;
        }
        Decision d = r.decision();
        if (d.allowed()) {
          e.limit = d.limit();
          e.resetAt = now + d.resetAfterMicros();
          e.viewAt = now;
          e.remaining = Math.max(0, d.remaining() - e.pending) - e.owed;
          e.deniedUntil = r.waitMicros() > 0 ? now + r.waitMicros() : Long.MIN_VALUE;
        }
      }
    }

    /**
     * Examines up to {@code budget} keys (each at most once) and drops the idle, reset ones;
     * {@code Integer.MAX_VALUE} examines them all (when the map is full).
     */
    void sweep(long now, int budget) {
      boolean all = budget == Integer.MAX_VALUE;
      if (!all && !sweeping.compareAndSet(false, true)) {
        return; // another sync is sweeping
      }
      try {
        sweep(now, budget, all ? null : cursor);
      } finally {
        if (!all) {
          sweeping.set(false);
        }
      }
    }

    private void sweep(long now, int budget, @Nullable Iterator<Map.Entry<String, Entry>> from) {
      Iterator<Map.Entry<String, Entry>> it = from;
      boolean restarted = false;
      for (int seen = 0; seen < budget; seen++) {
        if (it == null || !it.hasNext()) {
          if (restarted) {
            break;
          }
          restarted = true;
          it = map.entrySet().iterator();
          if (!it.hasNext()) {
            break;
          }
        }
        Entry e = it.next().getValue();
        synchronized (e) {
          if (e.removed || e.queued || e.inFlight || e.pending > 0 || e.owed > 0
              || e.owedInFlight > 0 || now < e.resetAt
              || now < e.deniedUntil || now - e.touchedAt < intervalMicros) {
            continue;
          }
          e.removed = true;
        }
        if (map.remove(e.key, e)) {
          size.decrementAndGet();
          evictions.increment();
        }
      }
      if (budget != Integer.MAX_VALUE) {
        cursor = it;
      }
    }
  }

  /** Settings of an {@link EventualBackend}; each is validated when set. */
  public static final class Builder {
    private final Backend global;
    private Clock clock = Clock.system();
    private long intervalMicros = 100_000;
    private int maxBatch = 512;
    private FirstSight firstSight = FirstSight.SYNC;
    private long maxKeys = 1_000_000;
    private boolean manual;
    private @Nullable ScheduledExecutorService scheduler;

    private Builder(Backend global) {
      this.global = global;
    }

    /**
     * The time source for local decisions (default {@link Clock#system()}); give the global
     * backend the same clock in tests.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /** How often pending hits are sent (default 100 ms); between 1 ms and 1 hour. */
    public Builder syncInterval(Duration interval) {
      Objects.requireNonNull(interval, "syncInterval must not be null");
      if (interval.compareTo(Duration.ofMillis(1)) < 0
          || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("syncInterval must be between 1ms and 1h, was "
            + interval);
      }
      this.intervalMicros = interval.toNanos() / 1_000;
      return this;
    }

    /**
     * Sync at once, before the interval ends, when this many keys wait to be sent (default 512).
     */
    public Builder maxBatch(int maxBatch) {
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be >= 1, was " + maxBatch);
      }
      this.maxBatch = maxBatch;
      return this;
    }

    /**
     * How a key without a fresh view is answered (default {@link FirstSight#SYNC}: the overshoot
     * bound holds; {@link FirstSight#LOCAL} never waits on the store but overshoots more when
     * many instances see a key rarely).
     */
    public Builder firstSight(FirstSight firstSight) {
      this.firstSight = Objects.requireNonNull(firstSight, "firstSight must not be null");
      return this;
    }

    /** The most keys tracked at once over all limiters (default 1,000,000). */
    public Builder maxKeys(long maxKeys) {
      if (maxKeys < 1) {
        throw new IllegalArgumentException("maxKeys must be >= 1, was " + maxKeys);
      }
      this.maxKeys = maxKeys;
      return this;
    }

    /**
     * No scheduler: the caller runs {@link EventualBackend#syncNow()} (tests and simulations,
     * with a {@link dev.sluice.ManualClock}). A full batch then syncs inline, in the thread whose
     * decision filled it.
     */
    public Builder manualSync() {
      this.manual = true;
      this.scheduler = null;
      return this;
    }

    /**
     * Run the periodic sync on this executor (not shut down by {@link EventualBackend#close()})
     * instead of a daemon thread of the backend's own.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler must not be null");
      this.manual = false;
      return this;
    }

    public EventualBackend build() {
      return new EventualBackend(this);
    }
  }
}
