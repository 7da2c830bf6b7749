package dev.sluice.eventual;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Settlement;
import dev.sluice.internal.KeyIndex;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * The eventually consistent mode: decisions come from local state, and what this instance admits
 * is accounted for in a <em>global</em> backend (Redis, shared by every instance) in batches,
 * every {@link Builder#syncInterval(Duration) sync interval} or as soon as {@link
 * Builder#maxBatch(int) enough keys} are waiting. Each reply updates the local view of the key. A
 * decision never waits on the network, except with {@link FirstSight#SYNC} for a key without a
 * fresh view, or a key that is short of permits while the store still had some.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.create("redis://localhost:6379");
 * EventualBackend eventual = EventualBackend.builder(redis).syncInterval(Duration.ofMillis(100))
 *     .build();
 * RateLimiter limiter = RateLimiter.create(eventual, Limit.parseAll("1000/minute"));
 * ...
 * eventual.close(); // final sync, unused leases returned; then close redis
 * }</pre>
 *
 * <p><b>Two regimes per key.</b> While the store has plenty, an instance spends its view of the
 * store's {@code remaining} (what the store had left at the last reply, less what was admitted
 * here since) and reports the hits at the next sync with {@link KeyedLimits#acquireUpTo(String,
 * long)}: the store counts what still fits, the rest is overshoot ({@link Counters#hitsRefused()}).
 * Once a reply shows the key scarce (exhausted, hits refused, a lease not granted in full, or the
 * fleet's net consumption emptying it within two rounds), the instance <em>leases</em> instead, for
 * at least one period of the limit: at each sync it takes from the store, in the same {@code
 * acquireUpTo} call, one and a half times the permits it is asked for per interval (a smoothed
 * rate: its observed share of the traffic), and admits locally only from that lease, which the
 * store has already counted. What a lease does not use is given back with {@link
 * KeyedLimits#refund(String, long)} when the instance's traffic falls, or lapses with its window
 * (fixed window, sliding window counter: at the window's end; sliding window log: after three
 * intervals). Beyond its lease, a key the store still had room for is decided by the store
 * ({@link FirstSight#SYNC}, exact) or denied until the next sync ({@link FirstSight#LOCAL}). So a
 * saturated key is exact for every algorithm, whatever the number of instances; the overshoot
 * left is the onset of scarcity (see {@code docs/distributed.md} for the bound per algorithm and
 * the measurements). Use the consistent mode (the global backend directly) where the limit must
 * be exact at all times.
 *
 * <p><b>Failures.</b> When a sync fails (an exception, or a {@link Decision#degraded() degraded}
 * answer from the global backend), the hits are kept pending (at most the tightest limit's
 * capacity per key; the excess is counted in {@link Counters#hitsDropped()}) and re-sent at the
 * next sync; a lease asked for in a failed call is not granted, and a refund that failed is not
 * re-sent (the store keeps those permits until they refill or their window ends: never an
 * excess). Until a call to the store succeeds again, decisions are delegated to the global
 * backend itself, which answers by its failure policy (a Redis backend with an open circuit
 * answers at once), and the hits its policy admits are kept pending too. An instance that dies
 * loses at most its pending hits (its unused lease stays counted in the store).
 *
 * <p><b>Reserve, refund, reset.</b> A reservation is decided locally like a decision; when every
 * limit is a bucket it may take permits into local debt (owed permits, sent at the next sync with
 * a reservation so that the global store carries the debt for every instance). A refund takes back
 * unreported permits locally and refunds the rest in the store at once; a reset forgets the local
 * view (lease included) and resets the store. See {@code docs/distributed.md}.
 *
 * <p><b>Several keys at once.</b> {@link #acquireAllAsync} is the SPI's default compensating
 * protocol over the local views: parts taken one after another in a fixed order, and on a refusal
 * the parts taken are refunded (locally when not yet reported, else in the store). All or nothing
 * within this instance; each part keeps the eventual mode's own bound across the fleet.
 *
 * <p><b>Cost.</b> A decision that the local view admits is lock-free: one map lookup, one
 * compare-and-set on the key's local allowance, the {@code Decision}. Everything else (denials,
 * reservations, refunds, syncs, replies) runs under the key's monitor.
 *
 * <p><b>Memory.</b> At most {@link Builder#maxKeys(long) maxKeys} keys are tracked. A key idle
 * past its global reset, with nothing pending or leased, is dropped at a sync (its next request is
 * a first sight again). When the map is full of live keys, new keys are decided by the global
 * store directly (exact, one round trip each).
 *
 * <p>This backend does not close the global backend: close it after this one.
 */
public final class EventualBackend implements Backend {

  private static final long CLOSE_WAIT_MILLIS = 2_000;
  private static final int SWEEP_PER_SYNC = 64;
  /** A lease covers this many times the permits asked for in the last round. */
  private static final double LEASE_HEADROOM = 1.5;
  /** A key leases for at least this many sync intervals after it was last seen scarce. */
  private static final long HOLD_INTERVALS = 10;
  /** The local allowance of a removed entry: every decision on it goes to the slow path. */
  private static final long GONE = Long.MIN_VALUE / 4;

  private static final VarHandle AVAIL;
  private static final VarHandle QUEUED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      AVAIL = lookup.findVarHandle(Entry.class, "avail", long.class);
      QUEUED = lookup.findVarHandle(Entry.class, "queued", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

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
  /** Interval syncs run so far: a key is sent at most once per interval by full-batch syncs. */
  private final AtomicLong rounds = new AtomicLong();

  private final LongAdder syncs = new LongAdder();
  private final LongAdder keysSent = new LongAdder();
  private final LongAdder hitsSent = new LongAdder();
  private final LongAdder hitsRefused = new LongAdder();
  private final LongAdder hitsDropped = new LongAdder();
  private final LongAdder storeFailures = new LongAdder();
  private final LongAdder localDecisions = new LongAdder();
  private final LongAdder storeDecisions = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder leased = new LongAdder();
  private final LongAdder leaseReturned = new LongAdder();
  private final LongAdder leaseLapsed = new LongAdder();

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
      this.task = s.scheduleAtFixedRate(() -> scheduledSync(false), intervalMicros,
          intervalMicros, TimeUnit.MICROSECONDS);
    }
  }

  /** A builder wrapping {@code global}, the store shared by every instance (usually Redis). */
  public static Builder builder(Backend global) {
    return new Builder(Objects.requireNonNull(global, "global backend must not be null"));
  }

  @Override
  public KeyedLimits open(List<Limit> limits) {
    if (closed) {
      throw closedException();
    }
    EventualLimits l = new EventualLimits(List.copyOf(limits), global.open(limits));
    limiters.add(l);
    return l;
  }

  /**
   * Limits that replace {@code predecessor}'s: the shared store's limiter inherits from the
   * predecessor's ({@link Backend#open(List, KeyedLimits)} of the global backend), so what a key
   * used carries over there; this instance's local view of the key starts afresh and is refreshed
   * from the store at the next sync, as for any key it has not seen. Hits the predecessor had not
   * reported yet are reported to the predecessor's state.
   *
   * @throws IllegalArgumentException when {@code predecessor} was not opened by this backend
   */
  @Override
  public KeyedLimits open(List<Limit> limits, KeyedLimits predecessor) {
    if (closed) {
      throw closedException();
    }
    if (!(predecessor instanceof EventualLimits from) || !limiters.contains(from)) {
      throw new IllegalArgumentException("the predecessor was not opened by this EventualBackend");
    }
    EventualLimits l = new EventualLimits(List.copyOf(limits), global.open(limits, from.store));
    limiters.add(l);
    return l;
  }

  /**
   * Reports the pending hits of every touched key to the global store now, and renews or returns
   * the leases (without waiting for the replies). The scheduler calls this every sync interval;
   * with {@link Builder#manualSync()} the caller does. The stage completes when every reply of
   * this round has been applied (or failed; failures are counted, never thrown).
   */
  public CompletionStage<Void> syncNow() {
    return sync(false, false, true);
  }

  /**
   * A sync round; {@code collect}: the returned stage completes when every reply has been
   * applied (otherwise at once: the scheduler does not wait, and gathering the replies costs).
   */
  private CompletionStage<Void> sync(boolean closing, boolean batch, boolean collect) {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    long now = clock.nowMicros();
    long round = batch ? rounds.get() : rounds.incrementAndGet();
    if (!batch) {
      nextSyncAt = now + intervalMicros;
    }
    syncs.increment();
    List<CompletableFuture<?>> replies = collect ? new ArrayList<>() : null;
    for (EventualLimits l : limiters) {
      l.sync(now, replies, closing, batch, round);
    }
    return replies == null ? CompletableFuture.completedFuture(null)
        : CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new));
  }

  /** A snapshot of this backend's counters, cumulative since it was built. */
  public Counters counters() {
    return new Counters(syncs.sum(), keysSent.sum(), hitsSent.sum(), hitsRefused.sum(),
        hitsDropped.sum(), storeFailures.sum(), localDecisions.sum(), storeDecisions.sum(),
        evictions.sum(), size.get(), leased.sum(), leaseReturned.sum(), leaseLapsed.sum());
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
   * Sends the pending hits one last time and returns the unused leases (waiting at most 2 s for
   * the replies), then stops the scheduler it started. Does not close the global backend.
   * Limiters opened from this backend stop working.
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
      sync(true, false, true).toCompletableFuture()
          .get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
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
      l.index.forEach(e -> {
        synchronized (e.s) {
          e.s.removed = true;
          e.avail = GONE;
        }
      });
      size.addAndGet(-l.index.clear());
    }
    limiters.clear();
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("this EventualBackend is closed");
  }

  private void scheduledSync(boolean batch) {
    try {
      sync(false, batch, false);
    } catch (RuntimeException e) {
      storeFailures.increment(); // never let an exception cancel the periodic sync
    }
  }

  /**
   * Too many keys wait: sync the ones not sent in this interval now (on the scheduler, or inline
   * in manual mode).
   */
  private void batchFull() {
    if (scheduler == null) {
      sync(false, true, true);
    } else if (batchSyncQueued.compareAndSet(false, true)) {
      try {
        scheduler.execute(() -> {
          batchSyncQueued.set(false);
          scheduledSync(true);
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

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  /**
   * Counters of an {@link EventualBackend}, cumulative since it was built (except {@code keys}).
   *
   * @param syncs sync rounds run (periodic, batch-full and manual)
   * @param keysSent keys reported to the global store (one take-up-to call each)
   * @param hitsSent locally admitted hits accounted for in the global store: reported at a sync,
   *     or admitted from a lease the store had counted (with the permits of local reservations,
   *     owed ones included)
   * @param hitsRefused reported hits the global store had no room for: the fleet's overshoot as
   *     seen by this instance (owed permits it refused to carry in debt count too)
   * @param hitsDropped pending hits discarded because a key's pending count reached its cap
   *     during a global store outage
   * @param storeFailures calls to the global store at a sync that failed or were answered
   *     degraded
   * @param localDecisions decisions answered from local state
   * @param storeDecisions decisions answered by the global store (first sight with {@link
   *     FirstSight#SYNC}, a key short of its lease the store had room for, outages, a full key
   *     map)
   * @param evictions idle keys dropped
   * @param keys keys tracked now
   * @param leased permits taken from the global store as leases
   * @param leaseReturned leased permits given back to the global store unused
   * @param leaseLapsed leased permits that lapsed unused with their window (never returned: the
   *     store counted them in a window that has ended or is about to)
   */
  public record Counters(long syncs, long keysSent, long hitsSent, long hitsRefused,
      long hitsDropped, long storeFailures, long localDecisions, long storeDecisions,
      long evictions, long keys, long leased, long leaseReturned, long leaseLapsed) {}

  /**
   * One key's local view, in two parts. This one, the key's node in its limiter's {@link
   * KeyIndex} (found without a further indirection), holds what an admission reads without a lock:
   * the allowance {@code avail}, lowered by compare-and-set (only while it covers the permits,
   * only before {@code fastUntil}), and what the {@code Decision} reports. Everything else is in
   * {@link Sync}, the key's monitor and the state it guards, kept apart so that syncs writing it
   * do not disturb the cache line admissions read. The monitor's holder changes {@code avail}
   * only by adding to it (so no admission is lost) and learns what was admitted since it last
   * looked from {@code base - avail} ({@link EventualLimits#settle}).
   */
  private static final class Entry extends KeyIndex.Node {
    /**
     * What this instance may still admit locally: the lease, plus (while the store has plenty)
     * the view of the store's remaining, less the owed permits. Below zero: local debt.
     */
    volatile long avail;
    /** Admissions may use {@code avail} without the monitor until then (µs). */
    volatile long fastUntil;
    /** Permits the store had left beyond this instance's lease, not spendable here (lease mode). */
    volatile long shared;
    /** When the global state would be "no state", as of the last reply (µs). */
    volatile long resetAt;
    volatile Limit limit;
    /** The key waits in its limiter's sync queue. */
    volatile boolean queued;
    /** The rest of the key's state, and its monitor. */
    final Sync s;

    Entry(int hash, String key, long avail, Limit limit, long now, long fastUntil) {
      super(hash, key);
      this.avail = avail;
      this.limit = limit;
      this.resetAt = now;
      this.fastUntil = fastUntil;
      this.s = new Sync(avail, now);
    }
  }

  /** The part of a key's state guarded by its monitor (this object), but {@code touchedAt}. */
  private static final class Sync {
    /** When a decision last queued the key (µs); written without the monitor. */
    volatile long touchedAt;
    /** {@code avail} as of the last settle, moved with every change the monitor holder makes. */
    long base;
    /**
     * Leased permits not yet used, as of the last settle; valid until {@code leaseUntil}, except
     * the {@code older} of them (an earlier lease of a sliding window log, used first), valid
     * until {@code olderUntil}.
     */
    long lease;
    long leaseUntil = Long.MAX_VALUE;
    long older;
    long olderUntil;
    /** Hits admitted here beyond any lease and not yet sent. */
    long pending;
    /**
     * Permits reserved here beyond the local allowance (local debt), not yet sent; they are
     * reported with a reservation, which the store carries as its own debt.
     */
    long owed;
    /** Owed permits sent and not yet acknowledged. */
    long owedInFlight;
    /** A take-up-to call for this key is in flight. */
    boolean inFlight;
    /** Removed from the map: look the key up again. */
    boolean removed;
    /** The global store denied the key: deny (beyond the lease) until then (µs). */
    long deniedUntil = Long.MIN_VALUE;
    /** When the store last told this entry its state (µs); MIN_VALUE: never (a local guess). */
    long viewAt = Long.MIN_VALUE;
    /** The view of the store's remaining is spent locally (the plentiful regime). */
    boolean spendsView = true;
    /** Lease mode until then (µs): the key was last seen scarce less than a hold ago. */
    long scarceUntil = Long.MIN_VALUE;
    /** Permits asked for here since the last sync sent the key: admitted, and denied. */
    long admittedSince;
    long deniedSince;
    /** A decision touched the key since the last sync sent it. */
    boolean touched;
    /** Permits asked for here per sync interval, smoothed over the rounds; when last updated. */
    double rate;
    long rateAt = Long.MIN_VALUE;
    /** The last sync call's round trip (µs). */
    long roundTrip;
    /** The interval sync round in which a sync last looked at the key. */
    long round = -1;
    /** The store's remaining at the last reply, and when (for the fleet's consumption rate). */
    long lastRemaining = -1;
    long lastRemainingAt;

    Sync(long base, long now) {
      this.base = base;
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
    /**
     * The shortest period among fixed windows and sliding window counters aligned to the epoch
     * (0: none).
     */
    final long windowPeriod;
    /** The calendar periods of the fixed windows that follow one. */
    final CalendarPeriod[] calendars;
    /** The shortest period among sliding window logs (0: none). */
    final long logPeriod;
    final KeyIndex<Entry> index = new KeyIndex<>();
    final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    /** Keys a full-batch sync left for the interval's sync (they stay flagged queued). */
    final ConcurrentLinkedQueue<Entry> deferred = new ConcurrentLinkedQueue<>();

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
      long window = 0;
      long log = 0;
      long[] slow = {limits.get(0).periodMicros(), limits.get(0).count()};
      List<CalendarPeriod> calendarPeriods = new ArrayList<>();
      for (Limit l : limits) {
        Algorithm a = l.algorithm();
        allBuckets &= a == Algorithm.TOKEN_BUCKET || a == Algorithm.GCRA;
        if (l.calendar().isPresent()) {
          calendarPeriods.add(l.calendar().get());
        } else if (a == Algorithm.FIXED_WINDOW || a == Algorithm.SLIDING_WINDOW_COUNTER) {
          window = window == 0 ? l.periodMicros() : Math.min(window, l.periodMicros());
        } else if (a == Algorithm.SLIDING_WINDOW_LOG) {
          log = log == 0 ? l.periodMicros() : Math.min(log, l.periodMicros());
        }
        if (BigInteger.valueOf(l.periodMicros()).multiply(BigInteger.valueOf(slow[1])).compareTo(
            BigInteger.valueOf(slow[0]).multiply(BigInteger.valueOf(l.count()))) > 0) {
          slow = new long[] {l.periodMicros(), l.count()};
        }
      }
      this.buckets = allBuckets;
      this.slowest = slow;
      this.windowPeriod = window;
      this.calendars = calendarPeriods.toArray(new CalendarPeriod[0]);
      this.logPeriod = log;
    }

    @Override
    public List<Limit> limits() {
      return limits;
    }

    // ---- the lock-free path ------------------------------------------------------------------

    /**
     * An admission from the key's local allowance without its monitor, or null when the slow path
     * must answer (no entry, a view to refresh, not enough allowance, a check, an outage).
     */
    private @Nullable Decision fast(String key, long permits, long now) {
      if (closed) {
        throw closedException();
      }
      if (permits <= 0 || !healthy) {
        return null;
      }
      Entry e = index.find(key, KeyIndex.hash(key));
      if (e == null || now >= e.fastUntil) {
        return null;
      }
      long a;
      do {
        a = e.avail;
        if (a < permits) {
          return null;
        }
      } while (!AVAIL.weakCompareAndSet(e, a, a - permits));
      localDecisions.increment();
      if (!e.queued) {
        enqueue(e, now, true);
      }
      Limit limit = e.limit;
      long r = e.resetAt - now;
      return Decision.allowed(limit, a - permits + e.shared, r > 0 ? r : limit.periodMicros());
    }

    /**
     * Puts the key in the sync queue (a no-op when it is already there); a decision marks it
     * touched. Syncs at once when enough keys wait.
     */
    private void enqueue(Entry e, long now, boolean decision) {
      if (decision) {
        e.s.touchedAt = now;
      }
      if (QUEUED.compareAndSet(e, false, true)) {
        queue.add(e);
        if (waiting.incrementAndGet() >= maxBatch && decision) {
          batchFull();
        }
      }
    }

    // ---- accounting under the monitor ---------------------------------------------------------

    /**
     * Under e's monitor: takes in what was admitted since the last look ({@code base - avail}),
     * from the lease first, the rest as pending hits.
     */
    void settle(Entry e) {
      long a = e.avail;
      long c = e.s.base - a;
      if (c != 0) {
        e.s.base = a;
        long fromLease = Math.min(c, Math.max(0, e.s.lease));
        useLease(e, fromLease);
        e.s.pending += c - fromLease;
        e.s.admittedSince += c;
        e.s.touched = true;
        if (fromLease > 0) {
          hitsSent.add(fromLease);
        }
      }
    }

    /** Under e's monitor: {@code n} leased permits were used, the older ones first. */
    private void useLease(Entry e, long n) {
      e.s.older -= Math.min(n, e.s.older);
      e.s.lease -= n;
    }

    /** Under e's monitor: {@code got} permits leased by a call sent at {@code sentAt}. */
    private void grant(Entry e, long got, long sentAt) {
      long until = leaseUntil(sentAt);
      if (e.s.lease == 0) {
        e.s.older = 0;
        e.s.leaseUntil = until;
      } else if (until > e.s.leaseUntil) { // a newer lease (a log's): the one held is used first
        if (e.s.older == 0) {
          e.s.olderUntil = e.s.leaseUntil;
        } // else: three generations; the two held lapse together, with the oldest
        e.s.older = e.s.lease;
        e.s.leaseUntil = until;
      } else if (until < e.s.leaseUntil) {
        e.s.leaseUntil = until; // an earlier window's (a reply overtaken): all lapse with it
      }
      e.s.lease += got;
      leased.add(got);
    }

    /** Under e's monitor: moves the allowance by {@code delta}, racing admissions included. */
    private void addAvail(Entry e, long delta) {
      if (delta != 0) {
        AVAIL.getAndAdd(e, delta);
        e.s.base += delta;
      }
    }

    /**
     * Under e's monitor, after a settle: the allowance becomes {@code target} (less what racing
     * admissions take meanwhile).
     */
    private void setAvail(Entry e, long target) {
      addAvail(e, target - e.s.base);
    }

    /** Under e's monitor: takes {@code permits} from the allowance if it covers them. */
    private boolean tryTake(Entry e, long permits) {
      for (;;) {
        long a = e.avail;
        if (a < permits) {
          return false;
        }
        if (AVAIL.compareAndSet(e, a, a - permits)) {
          settle(e);
          return true;
        }
      }
    }

    /** Under e's monitor: a lease whose window has ended (or is too old) lapses. */
    private void expire(Entry e, long now) {
      long lapsed = 0;
      if (e.s.lease > 0 && now >= e.s.leaseUntil) {
        lapsed = e.s.lease;
      } else if (e.s.older > 0 && now >= e.s.olderUntil) {
        lapsed = e.s.older;
      }
      if (lapsed > 0) {
        e.s.lease -= lapsed;
        e.s.older = 0;
        addAvail(e, -lapsed);
        leaseLapsed.add(lapsed);
        e.fastUntil = fastUntil(e);
      }
    }

    /** Until when admissions may skip the monitor, given the entry's lease and view. */
    private long fastUntil(Entry e) {
      long until = e.s.lease <= 0 ? Long.MAX_VALUE
          : e.s.older > 0 ? Math.min(e.s.olderUntil, e.s.leaseUntil) : e.s.leaseUntil;
      if (e.s.spendsView && firstSight == FirstSight.SYNC) {
        // a view older than two intervals is refreshed from the store first
        until = Math.min(until, e.s.viewAt == Long.MIN_VALUE ? Long.MIN_VALUE
            : saturatedAdd(e.s.viewAt, 2 * intervalMicros + 1));
      }
      return until;
    }

    /**
     * Under e's monitor, after a settle: the store had {@code view} permits left for this
     * instance (its remaining less the hits pending here). In the plentiful regime the view is
     * spent here; in lease mode only the lease is, and the view is reported as {@code shared}.
     */
    private void applyView(Entry e, long now, long view) {
      boolean leasing = now < e.s.scarceUntil;
      e.s.spendsView = !leasing;
      e.shared = leasing ? view : 0;
      setAvail(e, Math.max(0, e.s.lease) + (leasing ? 0 : view) - e.s.owed - e.s.owedInFlight);
      e.fastUntil = fastUntil(e);
    }

    /**
     * Under e's monitor: whether the store's answer shows the key scarce: {@code remaining} left
     * (after this instance's take), below what the fleet's net consumption since the previous
     * answer would take in two rounds.
     */
    private boolean drains(Entry e, long remaining, long now, long roundTrip) {
      boolean drains = false;
      if (e.s.lastRemaining >= 0 && now > e.s.lastRemainingAt && remaining < e.s.lastRemaining) {
        double perMicro = (double) (e.s.lastRemaining - remaining) / (now - e.s.lastRemainingAt);
        drains = remaining < perMicro * 2.0 * (intervalMicros + Math.max(0, roundTrip));
      }
      e.s.lastRemaining = remaining;
      e.s.lastRemainingAt = now;
      return drains;
    }

    /**
     * Under e's monitor: the key was seen scarce; lease for a hold (a period of the limit, at
     * least ten intervals) from now, or from when the store said the key frees if later: a denied
     * key gets no replies until then.
     */
    private void scarce(Entry e, long now, Limit limit) {
      long hold = Math.max(limit.periodMicros(), HOLD_INTERVALS * intervalMicros);
      e.s.scarceUntil = Math.max(e.s.scarceUntil,
          saturatedAdd(Math.max(now, e.s.deniedUntil), hold));
    }

    /** When a lease taken by a call sent at {@code sentAt} lapses, per the limits' windows. */
    private long leaseUntil(long sentAt) {
      long until = Long.MAX_VALUE;
      if (windowPeriod > 0) { // the end of the window the store counted it in (or an earlier one)
        until = saturatedAdd(sentAt - Math.floorMod(sentAt, windowPeriod), windowPeriod);
      }
      for (CalendarPeriod calendar : calendars) { // the end of its calendar window
        until = Math.min(until, calendar.windowAt(sentAt).endMicros());
      }
      if (logPeriod > 0) { // a log entry is dated when taken: use it within three intervals
        until = Math.min(until, saturatedAdd(sentAt, Math.min(logPeriod, 3 * intervalMicros)));
      }
      return until;
    }

    /**
     * Under e's monitor: whether unused lease can still be given back: always for buckets; for
     * windows only while the refund should reach the store well within the lease's window (with
     * a margin of twice the key's last round trip, at least a tenth of the interval).
     */
    private boolean returnable(Entry e, long now) {
      long margin = Math.max(intervalMicros / 10, 2 * e.s.roundTrip);
      return e.s.leaseUntil == Long.MAX_VALUE || saturatedAdd(now, margin) <= e.s.leaseUntil;
    }

    // ---- decisions ----------------------------------------------------------------------------

    @Override
    public Decision acquire(String key, long permits) {
      long now = clock.nowMicros();
      Decision fast = fast(key, permits, now);
      if (fast != null) {
        return fast;
      }
      Decision local = local(key, permits, now, e -> decideLocally(e, permits, now));
      return local != null ? local : fromStore(key, permits, now, store.acquire(key, permits));
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      long now = clock.nowMicros();
      Decision fast = fast(key, permits, now);
      if (fast != null) {
        return CompletableFuture.completedFuture(fast);
      }
      Decision local = local(key, permits, now, e -> decideLocally(e, permits, now));
      return local != null ? CompletableFuture.completedFuture(local)
          : store.acquireAsync(key, permits).thenApply(d -> fromStore(key, permits, now, d));
    }

    /**
     * Decided locally when acquire would be: what fits in the local allowance is taken at once
     * (wait 0, as for acquire). When every limit is a bucket, more may be taken into local debt:
     * the allowance goes below zero, the wait is the time the slowest limit needs to refill what
     * is missing (counted from when the store said the key frees, if it is denied), and the owed
     * permits are reported at the next sync with a reservation, so the store carries the debt for
     * every instance. At most the tightest capacity is owed locally. Otherwise (window limits, too
     * long a wait) the answer is acquire's, wait 0. Keys the store must decide (first sight with
     * {@link FirstSight#SYNC}, a stale view, a key short of its lease the store had room for, an
     * outage, a full map) are reserved in the store, exactly.
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
          Entry e = entry(key);
          if (e != null) {
            synchronized (e.s) { // the store holds the debt: nothing frees before it is due
              e.s.deniedUntil = now + r.waitMicros();
            }
          }
        }
        return r;
      });
    }

    /** Under e's monitor: {@link #reserveAsync}'s local answer. */
    private Reservation reserveLocally(Entry e, long permits, long maxWait, long now) {
      for (;;) {
        settle(e);
        long r = e.avail;
        boolean denied = now < e.s.deniedUntil;
        if (maxWait == 0 || !buckets || permits == 0 || permits > capacity || permits <= r
            || r - permits < -capacity) {
          return Reservation.immediate(decideLocally(e, permits, now));
        }
        long need = permits - r; // >= 1: permits still to accrue
        long wait = denied ? e.s.deniedUntil - now + timeOf(need - 1) : timeOf(need);
        if (wait > maxWait) {
          return Reservation.immediate(decideLocally(e, permits, now));
        }
        if (!AVAIL.compareAndSet(e, r, r - permits)) {
          continue; // an admission raced: look again
        }
        e.s.base -= permits; // accounted for here, not by the next settle
        localDecisions.increment();
        long fromLease = Math.min(permits, Math.min(Math.max(0, e.s.lease), Math.max(0, r)));
        long view = denied ? 0 : Math.min(permits - fromLease,
            Math.max(0, r - Math.max(0, e.s.lease)));
        useLease(e, fromLease);
        hitsSent.add(fromLease);
        e.s.pending += view;
        e.s.owed += permits - fromLease - view;
        e.s.admittedSince += permits;
        e.s.touched = true;
        long reset = Math.max(resetAfter(e, now), wait + timeOf(capacity));
        return new Reservation(Decision.allowed(e.limit, 0, reset), wait);
      }
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
        throw closedException();
      }
      long now = clock.nowMicros();
      Entry e = entry(key);
      long rest = permits;
      if (e != null) {
        synchronized (e.s) {
          if (!e.s.removed) {
            settle(e);
            long owed = Math.min(rest, e.s.owed);
            e.s.owed -= owed;
            long hits = Math.min(rest - owed, e.s.pending);
            e.s.pending -= hits;
            rest -= owed + hits;
            setAvail(e, Math.min(capacity, e.s.base + owed + hits));
            if (rest == 0) {
              return CompletableFuture.completedFuture(decideLocally(e, 0, now));
            }
          }
        }
      }
      return store.refundAsync(key, rest).thenApply(d -> learn(key, d, now));
    }

    /**
     * Permits past the limit go to the store at once (one call, as a refund), so the store counts
     * every one of them whatever the instances saw; its answer updates the key's view here.
     */
    @Override
    public CompletionStage<Decision> recordAsync(String key, long permits) {
      if (closed) {
        throw closedException();
      }
      long now = clock.nowMicros();
      return store.recordAsync(key, permits).thenApply(d -> learn(key, d, now));
    }

    /**
     * A hold is a fleet-wide thing (any instance may settle it), so it is taken in the store at
     * once (one call, as a key not decidable here), and so is its settle; their answers update
     * the key's view here.
     */
    @Override
    public CompletionStage<Decision> holdAsync(String key, String holdId, long permits,
        long timeoutMicros) {
      if (closed) {
        throw closedException();
      }
      long now = clock.nowMicros();
      return store.holdAsync(key, holdId, permits, timeoutMicros)
          .thenApply(d -> fromStore(key, d.allowed() ? permits : 0, now, d));
    }

    @Override
    public CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
      if (closed) {
        throw closedException();
      }
      long now = clock.nowMicros();
      return store.settleAsync(key, holdId, actual).thenApply(st -> new Settlement(st.status(),
          st.estimate(), st.actual(), learn(key, st.decision(), now)));
    }

    /** The store's zero-permit check after a refund, applied to the key's view if there is one. */
    private Decision learn(String key, Decision d, long now) {
      storeDecisions.increment();
      if (d.degraded()) {
        healthy = false;
        return d;
      }
      healthy = true;
      Entry e = entry(key);
      if (e != null) {
        synchronized (e.s) {
          if (!e.s.removed) {
            settle(e);
            view(e, d, now);
            if (d.remaining() > 0) {
              e.s.deniedUntil = Long.MIN_VALUE;
            }
          }
        }
      }
      return d;
    }

    /**
     * Forgets the key here (its unreported hits, debt and lease belong to the state being reset;
     * its next request is a first sight) and resets it in the store (one call). Completes when
     * the store has; exceptionally when the store could not (the local view is gone all the
     * same).
     */
    @Override
    public CompletionStage<Void> resetAsync(String key) {
      if (closed) {
        throw closedException();
      }
      Entry e = entry(key);
      if (e != null) {
        synchronized (e.s) {
          e.s.removed = true;
          AVAIL.getAndSet(e, GONE);
        }
        if (index.remove(e, n -> true)) {
          size.decrementAndGet();
        }
      }
      return store.resetAsync(key);
    }

    @Override
    public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
      if (closed) {
        throw closedException();
      }
      long now = clock.nowMicros();
      for (;;) {
        Entry e = healthy ? entry(key) : null;
        if (e == null) { // not decidable locally: the store takes them, exactly
          return store.acquireUpToAsync(key, maxPermits)
              .thenApply(g -> new Grant(g.taken(), fromStore(key, g.taken(), now, g.decision())));
        }
        Grant g;
        synchronized (e.s) {
          if (e.s.removed) {
            continue;
          }
          settle(e);
          expire(e, now);
          long take = Math.min(maxPermits, Math.max(0, e.avail));
          Decision d = take == 0 && maxPermits > 0 ? decideLocally(e, 1, now)
              : decideLocally(e, take, now);
          g = new Grant(d.allowed() ? take : 0, d);
        }
        enqueue(e, now, true);
        return CompletableFuture.completedFuture(g);
      }
    }

    /**
     * {@code decide}'s answer from the key's entry (under its monitor), or null when the global
     * store must answer.
     */
    private <T> @Nullable T local(String key, long permits, long now, Function<Entry, T> decide) {
      if (closed) {
        throw closedException();
      }
      if (!healthy) {
        return null;
      }
      for (;;) {
        Entry e = entry(key);
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
        synchronized (e.s) {
          if (e.s.removed) {
            continue;
          }
          settle(e);
          expire(e, now);
          if (firstSight == FirstSight.SYNC && permits > 0 && permits <= capacity
              && now >= e.s.deniedUntil) {
            boolean fromLease = permits <= e.s.lease && permits <= e.avail;
            if (!fromLease && e.s.viewAt < now - 2 * intervalMicros) {
              return null; // a stale view: ask the store, as on a first sight
            }
            if (permits > e.avail && e.shared > 0) {
              return null; // short of the lease, while the store had room: it decides
            }
          }
          d = decide.apply(e);
        }
        enqueue(e, now, true);
        return d;
      }
    }

    /** A new entry assuming a fresh key, or the one another thread inserted first. */
    private @Nullable Entry insert(String key, long now) {
      if (!reserveKeySlot()) {
        return null;
      }
      // LOCAL: a fresh key's capacity, spent at once; SYNC: nothing until the store's view.
      long fastUntil = firstSight == FirstSight.LOCAL ? Long.MAX_VALUE : Long.MIN_VALUE;
      boolean[] created = new boolean[1];
      Entry e = index.findOrInsert(key, KeyIndex.hash(key),
          k -> new Entry(KeyIndex.hash(k), k, capacity, tightest, now, fastUntil), n -> false, 0,
          created);
      if (!created[0]) {
        size.decrementAndGet();
      }
      return e;
    }

    /** The key's entry, or null: a lookup that never misses a key that is there. */
    private @Nullable Entry entry(String key) {
      int hash = KeyIndex.hash(key);
      Entry e = index.find(key, hash);
      return e != null ? e : index.findLocked(key, hash);
    }

    /** Under e's monitor, after a settle: the local answer for {@code permits}. */
    private Decision decideLocally(Entry e, long permits, long now) {
      localDecisions.increment();
      e.s.touched = true; // a sync sends the key, if only to refresh the view
      if (permits > capacity) {
        return Decision.denied(firstBelow(permits), remaining(e), resetAfter(e, now),
            Long.MAX_VALUE);
      }
      if (permits == 0) {
        return Decision.allowed(e.limit, now < e.s.deniedUntil ? 0 : remaining(e),
            resetAfter(e, now));
      }
      // The lease is this instance's own; beyond it the allowance is zero while denied.
      if (tryTake(e, permits)) {
        return Decision.allowed(e.limit, remaining(e), resetAfter(e, now));
      }
      e.s.deniedSince += permits;
      e.s.touched = true;
      if (now < e.s.deniedUntil) {
        return Decision.denied(e.limit, 0, resetAfter(e, now), e.s.deniedUntil - now);
      }
      // Out of local permits: fresh global state (or a lease) arrives with the next reply.
      long retry = nextSyncAt - now;
      return Decision.denied(e.limit, remaining(e), resetAfter(e, now),
          retry > 0 ? retry : intervalMicros);
    }

    /** What the key has left as far as this instance knows: its allowance and the shared view. */
    private long remaining(Entry e) {
      return Math.max(0, e.avail) + e.shared;
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
      return e.s.pending > 0 ? e.limit.periodMicros() : 0;
    }

    /**
     * Under e's monitor, after a settle: the store's answer {@code d}, given directly (not
     * through a sync), becomes the entry's view: what is still pending or owed here comes off its
     * remaining.
     */
    private void view(Entry e, Decision d, long now) {
      e.limit = d.limit();
      e.resetAt = now + d.resetAfterMicros();
      e.s.viewAt = now;
      applyView(e, now, Math.max(0, d.remaining() - e.s.pending));
    }

    /** Applies an answer of the global store to the key's entry (creating it if there is room). */
    private Decision fromStore(String key, long permits, long now, Decision d) {
      storeDecisions.increment();
      if (d.degraded()) {
        healthy = false;
        if (d.allowed() && permits > 0) { // admitted by the store's failure policy: report later
          Entry e = entry(key);
          if (e == null) {
            e = insert(key, now);
          }
          if (e != null) {
            boolean kept = false;
            synchronized (e.s) {
              if (!e.s.removed) {
                settle(e);
                keep(e, permits);
                setAvail(e, Math.max(0, e.s.base - permits));
                kept = true;
              }
            }
            if (kept) {
              enqueue(e, now, true);
            }
          }
        }
        return d;
      }
      healthy = true;
      Entry e = entry(key);
      if (e == null) {
        e = insert(key, now);
      }
      if (e != null) {
        boolean leasing = false;
        synchronized (e.s) {
          if (!e.s.removed) {
            settle(e);
            if (permits > 0) {
              if (d.allowed()) {
                e.s.admittedSince += permits;
              } else {
                e.s.deniedSince += permits;
              }
            }
            boolean denied = !d.allowed() && d.remaining() == 0 && permits == 1;
            e.s.deniedUntil = denied ? now + d.retryAfterMicros() : Long.MIN_VALUE;
            if (drains(e, d.remaining(), now, 0) || denied
                || (d.allowed() && permits > 0 && d.remaining() == 0)) {
              scarce(e, now, d.limit());
            }
            view(e, d, now);
            leasing = now < e.s.scarceUntil;
          }
        }
        if (leasing) {
          enqueue(e, now, true); // the next sync asks for a lease covering this demand
        }
      }
      return d;
    }

    /** Adds hits to the key's pending count, capped at the capacity. */
    private void keep(Entry e, long hits) {
      long total = e.s.pending + hits;
      if (total > capacity) {
        hitsDropped.add(total - capacity);
        total = capacity;
      }
      e.s.pending = total;
    }

    // ---- syncs --------------------------------------------------------------------------------

    /**
     * Sends every queued key: unused lease beyond what the key needs is refunded first, then the
     * pending hits and the lease it needs go in one take-up-to call, then owed permits as a
     * reservation. Adds one future per call to {@code replies} (when not null). Closing, every
     * lease is returned.
     * A sync triggered by a full batch sends only keys not yet looked at in this interval; the
     * others wait for the interval's sync, so that a key is sent at most once per interval
     * however many keys are busy.
     */
    void sync(long now, @Nullable List<CompletableFuture<?>> replies, boolean closing,
        boolean batch,
        long round) {
      if (closing) {
        index.forEach(e -> enqueue(e, now, false));
      }
      List<Entry> again = new ArrayList<>();
      if (!batch) {
        for (Entry e; (e = deferred.poll()) != null; ) {
          synchronized (e.s) {
            e.queued = false;
          }
          send(e, now, replies, closing, round, again);
        }
      }
      int n = waiting.get();
      Entry e;
      for (int i = 0; i < n && (e = queue.poll()) != null; i++) {
        waiting.decrementAndGet();
        if (batch) {
          synchronized (e.s) {
            if (e.s.round == round) {
              deferred.add(e); // stays queued: sent by the interval's sync
              continue;
            }
            e.queued = false;
          }
        } else {
          synchronized (e.s) {
            e.queued = false;
          }
        }
        send(e, now, replies, closing, round, again);
      }
      for (Entry b : again) {
        enqueue(b, now, false);
      }
      if (!batch) {
        sweep(now, Math.max(SWEEP_PER_SYNC, n));
      }
    }

    /** One key of a sync: see {@link #sync}. */
    private void send(Entry e, long now, @Nullable List<CompletableFuture<?>> replies,
        boolean closing,
        long round, List<Entry> again) {
      long send;
      long owed;
      long ask;
      long giveBack = 0;
      boolean take;
      synchronized (e.s) {
        if (e.s.removed || e.queued) {
          return; // gone, or queued again meanwhile (sent from the queue)
        }
        settle(e);
        expire(e, now);
        if (e.s.inFlight || e.s.owedInFlight > 0) {
          again.add(e);
          return;
        }
        e.s.round = round;
        boolean leasing = !closing && now < e.s.scarceUntil;
        long demand = e.s.admittedSince + e.s.deniedSince;
        observe(e, demand, now);
        boolean touched = e.s.touched;
        e.s.admittedSince = 0;
        e.s.deniedSince = 0;
        e.s.touched = false;
        long target = leasing ? target(e, now) : 0;
        if (e.s.lease > target && returnable(e, now)) {
          giveBack = takeBack(e, e.s.lease - target);
        }
        boolean denied = now < e.s.deniedUntil;
        // a key denied, or in debt here, has nothing to lease until the store says it frees
        ask = denied || e.s.owed > 0 || e.avail < 0 ? 0 : Math.max(0, target - e.s.lease);
        take = e.s.pending > 0 || e.s.owed > 0 || ask > 0 || (touched && !denied);
        send = take ? e.s.pending : 0;
        owed = take ? e.s.owed : 0;
        if (take) {
          e.s.pending = 0;
          e.s.inFlight = true;
          e.s.owed = 0;
          e.s.owedInFlight = owed;
        }
        if (e.s.lease > 0) {
          again.add(e); // looked at again next round: renewed, returned or lapsed
        }
      }
      Entry sent = e;
      if (giveBack > 0) { // first on the key's lane: the permits are free before the take
        CompletableFuture<Decision> refund;
        try {
          refund = store.refundAsync(e.key, giveBack).toCompletableFuture();
        } catch (RuntimeException ex) {
          refund = CompletableFuture.failedFuture(ex);
        }
        long returned = giveBack;
        track(replies, refund.handle((d, error) -> {
          onRefundReply(returned, d, error);
          return null;
        }));
      }
      if (!take) {
        return;
      }
      keysSent.increment();
      if (send + owed > 0) {
        hitsSent.add(send + owed);
      }
      long asked = ask;
      CompletableFuture<Grant> call;
      try {
        call = store.acquireUpToAsync(e.key, send + ask).toCompletableFuture();
      } catch (RuntimeException ex) {
        call = CompletableFuture.failedFuture(ex);
      }
      track(replies, call.handle((g, error) -> {
        onReply(sent, send, asked, now, g, error);
        return null;
      }));
      if (owed > 0) { // after the hits, in the store's order too: its debt
        CompletableFuture<Reservation> debt;
        try {
          debt = store.reserveAsync(e.key, owed, Long.MAX_VALUE).toCompletableFuture();
        } catch (RuntimeException ex) {
          debt = CompletableFuture.failedFuture(ex);
        }
        track(replies, debt.handle((r, error) -> {
          onDebtReply(sent, owed, r, error);
          return null;
        }));
      }
    }

    /**
     * Under e's monitor: the {@code demand} (permits asked for here) since the key was last sent
     * goes into its smoothed rate per interval (half the weight to the newest round).
     */
    private void observe(Entry e, long demand, long now) {
      double perInterval = demand;
      if (e.s.rateAt != Long.MIN_VALUE) {
        long elapsed = Math.max(now - e.s.rateAt, intervalMicros / 4);
        perInterval = (double) demand * intervalMicros / elapsed;
        perInterval = (perInterval + e.s.rate) / 2;
      }
      e.s.rate = perInterval;
      e.s.rateAt = now;
    }

    /**
     * Under e's monitor: the lease a key needs for the next round: its smoothed rate per interval
     * with headroom, but no more than it is expected to use before a lease taken now lapses (a
     * window about to end, a log's lease after three intervals) or within a hold, at most the
     * capacity. No lease when not even one permit would be used by then (it would be wasted, or
     * held by an idle key), nor, with
     * {@link FirstSight#SYNC}, for a key asked for less than once per interval: the store decides
     * such a key's requests directly.
     */
    private long target(Entry e, long now) {
      if (e.s.rate < 1 && firstSight == FirstSight.SYNC) {
        return 0;
      }
      // used within its life (at most a hold: a key idle that long gives its lease back)
      long life = Math.min(leaseUntil(now) - now, HOLD_INTERVALS * intervalMicros);
      double usable = e.s.rate * Math.max(0, life) / intervalMicros;
      if (usable < 1) {
        return 0;
      }
      return (long) Math.min(capacity, Math.ceil(Math.min(e.s.rate * LEASE_HEADROOM, usable)));
    }

    private void track(@Nullable List<CompletableFuture<?>> replies, CompletableFuture<?> reply) {
      if (replies != null) {
        replies.add(reply);
      }
    }

    /** Under e's monitor: removes up to {@code permits} of unused lease; returns how many. */
    private long takeBack(Entry e, long permits) {
      for (;;) {
        long a = e.avail;
        long back = Math.min(permits, Math.max(0, a));
        if (back == 0) {
          return 0;
        }
        if (AVAIL.compareAndSet(e, a, a - back)) { // the newest first (a log drops its newest)
          e.s.base -= back;
          e.s.lease -= back;
          e.s.older = Math.min(e.s.older, e.s.lease);
          e.fastUntil = fastUntil(e);
          return back;
        }
      }
    }

    private void onRefundReply(long returned, @Nullable Decision d, @Nullable Throwable error) {
      if (error != null || d == null || d.degraded()) {
        storeFailures.increment(); // not re-sent: the store keeps them, never an excess
        healthy = false;
      } else {
        leaseReturned.add(returned);
      }
    }

    private void onReply(Entry e, long sent, long asked, long sentAt, @Nullable Grant g,
        @Nullable Throwable error) {
      long now = clock.nowMicros();
      boolean failed = error != null || g == null || g.decision().degraded();
      long taken = failed ? 0 : g.taken();
      long hits = Math.min(taken, sent);
      long got = taken - hits;
      if (failed) {
        storeFailures.increment();
        healthy = false;
      } else {
        healthy = true;
        if (hits < sent) {
          hitsRefused.add(sent - hits);
        }
      }
      boolean again;
      synchronized (e.s) {
        e.s.inFlight = false;
        if (e.s.removed) {
          return; // reset (the store forgot the lease too) or closed
        }
        settle(e);
        if (failed) {
          keep(e, sent);
          again = true; // re-sent at the next sync
        } else {
          Decision d = g.decision();
          e.limit = d.limit();
          e.resetAt = now + d.resetAfterMicros();
          e.s.viewAt = now;
          if (got > 0) {
            grant(e, got, sentAt);
          }
          e.s.roundTrip = Math.max(0, now - sentAt);
          long remaining = d.allowed() ? d.remaining() : 0;
          boolean drains = drains(e, remaining, now, e.s.roundTrip);
          e.s.deniedUntil = d.allowed() ? Long.MIN_VALUE : d.retryAfterMicros() == Long.MAX_VALUE
              ? Long.MAX_VALUE : now + d.retryAfterMicros();
          if (!d.allowed() || hits < sent || taken < sent + asked || remaining == 0 || drains) {
            scarce(e, now, d.limit());
          }
          applyView(e, now, d.allowed() ? Math.max(0, remaining - e.s.pending) : 0);
          expire(e, now);
          again = e.s.lease > 0 && !e.queued;
        }
      }
      if (again) {
        enqueue(e, now, false);
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
      boolean again = false;
      synchronized (e.s) {
        e.s.owedInFlight = 0;
        if (e.s.removed) {
          return;
        }
        settle(e);
        if (failed) {
          long total = e.s.owed + owed;
          if (total > capacity) {
            hitsDropped.add(total - capacity);
            total = capacity;
          }
          e.s.owed = total;
          again = true;
        } else {
          Decision d = r.decision();
          if (d.allowed()) {
            e.s.deniedUntil = r.waitMicros() > 0 ? now + r.waitMicros() : Long.MIN_VALUE;
            view(e, d, now);
          }
        }
      }
      if (again) {
        enqueue(e, now, false);
      }
    }

    /**
     * Examines about {@code budget} keys and drops the idle, reset ones; {@code
     * Integer.MAX_VALUE} examines them all (when the map is full).
     */
    void sweep(long now, int budget) {
      KeyIndex.Remover<Entry> idle = e -> evict(e, now);
      if (budget == Integer.MAX_VALUE) {
        index.sweepAll(idle);
      } else {
        index.sweepSome(idle, budget);
      }
    }

    /**
     * Under the key's segment lock: marks the entry removed (and says so) when it is idle and
     * reset, with nothing pending, owed, leased or in flight.
     */
    private boolean evict(Entry e, long now) {
      synchronized (e.s) {
        if (e.s.removed || e.queued || e.s.inFlight) {
          return false;
        }
        settle(e);
        expire(e, now);
        if (e.s.pending > 0 || e.s.owed > 0 || e.s.owedInFlight > 0 || e.s.lease > 0
            || now < e.s.scarceUntil || now < e.resetAt || now < e.s.deniedUntil
            || now - e.s.touchedAt < intervalMicros) {
          return false;
        }
        if (!AVAIL.compareAndSet(e, e.s.base, GONE)) {
          return false; // admitted just now: keep it
        }
        e.s.removed = true;
      }
      size.decrementAndGet();
      evictions.increment();
      return true;
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
     * Such a sync sends the keys not sent yet in this interval; the others wait for the
     * interval's sync, so a key is sent at most about once per interval.
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
