package dev.sluice.memory;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Settlement;
import dev.sluice.internal.Carry;
import dev.sluice.internal.Decisions;
import dev.sluice.internal.KeyIndex;
import dev.sluice.internal.Outcome;
import dev.sluice.internal.Packed;
import dev.sluice.internal.Transition;
import dev.sluice.internal.UpTo;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.Holds;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Limiter state in this process's memory: exact and thread-safe, bounded in keys, and self-cleaning.
 *
 * <p><b>Concurrency.</b> A key with one limit whose state packs into one {@code long} (token
 * bucket, GCRA, fixed window, sliding window counter; see {@link Packed}) decides with one
 * compare-and-set on that word, lock-free, allocating only the returned {@link Decision}; a
 * denial writes nothing. Keys with several limits (or a sliding window log) keep a row of longs
 * updated under the key's monitor, so all limits of a key change together or not at all. Looking a
 * key up takes no lock; inserting one locks a sixteenth of the limiter's keys.
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
 *
 * <p><b>Several keys at once.</b> {@link #acquireAllAsync} is the SPI's default, the compensating
 * protocol: parts taken one after another in a fixed order, what was taken refunded on a refusal.
 * It never over-admits; between a take and its refund (in process, no I/O) a racing
 * request can find a key short. An atomic multi-key step would need a lock across keys that the
 * lock-free single-key path cannot take part in.
 *
 * <p><b>Changed limits.</b> A limiter opened with a predecessor ({@link #open(List, KeyedLimits)})
 * takes a key's state from it the first time it touches a key it holds nothing for: the key is
 * inserted here, under its segment lock, holding the state removed from the predecessor (by its
 * compare-and-set or under its key monitor) and converted ({@link Carry}), so no request sees the
 * key here before it holds what it used. A key it already holds costs only a null check; a key
 * neither holds, a lock-free lookup in the predecessor. The predecessor is let go once its states
 * can no longer matter ({@link Carry#horizonMicros}).
 *
 * <p><b>Memory.</b> An idle key with one packed limit costs its String plus about 40 bytes (a
 * 32-byte node and its share of the hash bins); keys are exact (never hashed together).
 */
public final class MemoryBackend implements Backend {

  /** What a request for a new key gets while the store is full of live keys. */
  public enum WhenFull {
    /** Deny the request (safe: nobody escapes the limits; new clients wait for space). */
    DENY,
    /** Admit it without tracking (available: new clients are not limited until space frees). */
    ALLOW
  }

  /** Bins examined for expired keys at each insertion: keys leave at the pace new ones come. */
  private static final int SWEEP_BINS_PER_INSERT = 4;

  private final Clock clock;
  private final long maxKeys;
  private final WhenFull whenFull;
  private final boolean packed;
  private final AtomicLong size = new AtomicLong();
  private final LongAdder expired = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final Object fullSweepLock = new Object();
  /** Full sweeps done because the store was full; written under {@link #fullSweepLock}. */
  private volatile long fullSweeps;
  private final List<Table<?>> tables = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private MemoryBackend(Builder b) {
    this.clock = b.clock;
    this.maxKeys = b.maxKeys;
    this.whenFull = b.whenFull;
    this.packed = b.packed;
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
    checkOpen();
    Packed word = packed && limits.size() == 1 ? Packed.of(limits.get(0)) : null;
    Table<?> t = word != null ? new PackedTable(word) : new RowTable(limits);
    tables.add(t);
    return t;
  }

  /**
   * Limits whose keys keep what they used under {@code predecessor} (opened by this backend): a
   * key's state moves from it on the key's first touch here, converted per algorithm ({@link
   * Carry}). The predecessor is consulted for {@link Carry#horizonMicros} of its limits from now;
   * after that every key starts from no state here, as with {@link #open(List)}.
   *
   * @throws IllegalArgumentException when {@code predecessor} was not opened by this backend
   */
  @Override
  public KeyedLimits open(List<Limit> limits, KeyedLimits predecessor) {
    if (!(predecessor instanceof Table<?> from) || !tables.contains(from)) {
      throw new IllegalArgumentException("the predecessor was not opened by this MemoryBackend");
    }
    Table<?> t = (Table<?>) open(limits);
    long now = clock.nowMicros();
    long horizon = Carry.horizonMicros(from.limits());
    t.predecessor = new Predecessor(from, horizon > Long.MAX_VALUE - now ? Long.MAX_VALUE
        : now + horizon);
    return t;
  }

  /** The limiter a table's keys inherit from, and until when. */
  private record Predecessor(Table<?> table, long until) {}

  /** Keys currently stored, over all limiters of this backend. */
  public long size() {
    return size.get();
  }

  /** The most keys stored at once, over all limiters ({@link Builder#maxKeys(long)}). */
  public long maxKeys() {
    return maxKeys;
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
    for (Table<?> t : tables) {
      t.sweepAll(now);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Table<?> t : tables) {
      size.addAndGet(-t.clear());
    }
    tables.clear();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this MemoryBackend is closed");
    }
  }

  /**
   * Counts a new key in; when the store is full, sweeps every expired key first. Threads that
   * find the store full while a sweep runs wait for it and take what it freed rather than
   * sweeping again; false when there is still no room.
   */
  private boolean reserveKeySlot(long now) {
    if (size.incrementAndGet() <= maxKeys) {
      return true;
    }
    size.decrementAndGet();
    long sweepsSeen = fullSweeps;
    synchronized (fullSweepLock) {
      if (size.incrementAndGet() <= maxKeys) {
        return true;
      }
      size.decrementAndGet();
      if (fullSweeps != sweepsSeen) { // swept while this thread waited: nothing more to free
        return false;
      }
      for (Table<?> t : tables) {
        t.sweepAll(now);
      }
      fullSweeps++;
      if (size.incrementAndGet() <= maxKeys) {
        return true;
      }
      size.decrementAndGet();
      return false;
    }
  }

  /** The answer for a new key while the store is full. */
  private Decision storeFull(Limit limit) {
    rejected.increment();
    return Decision.degraded(whenFull == WhenFull.ALLOW, Decision.Reason.STORE_FULL, limit);
  }

  /**
   * The keys of one limiter, as nodes of type {@code N}. Every operation is synchronous; the async
   * forms complete at once.
   */
  private abstract static class Table<N extends KeyIndex.Node> implements KeyedLimits {
    final KeyIndex<N> index = new KeyIndex<>();
    /** Holds of this limiter ({@link #holdAsync}), created at the first. */
    private volatile @Nullable Holds holds;

    abstract Clock clock();

    private Holds holds() {
      Holds h = holds;
      if (h == null) {
        synchronized (this) {
          h = holds;
          if (h == null) {
            holds = h = new Holds(clock());
          }
        }
      }
      return h;
    }

    @Override
    public CompletionStage<Decision> holdAsync(String key, String holdId, long permits,
        long timeoutMicros) {
      return CompletableFuture.completedFuture(
          holds().hold(this, key, holdId, permits, timeoutMicros));
    }

    @Override
    public CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
      return holds().settleAsync(this, key, holdId, actual);
    }

    /** Where keys without state here take theirs from, until its horizon; null when none. */
    volatile @Nullable Predecessor predecessor;

    /**
     * Removes {@code key}'s state from this table and returns what each limit hands over (an
     * element null when that limit counted nothing); a key without state here asks this table's
     * own predecessor. Null when there is nothing to hand over.
     */
    final @Nullable Carry @Nullable [] take(String key, int hash, long now) {
      N node = index.find(key, hash);
      return node == null ? inherited(key, hash, now) : takeFrom(node, now);
    }

    /** {@link #take} of a key stored here, as {@code node}. */
    abstract @Nullable Carry @Nullable [] takeFrom(N node, long now);

    /** {@link #take} from the predecessor, while there is one. */
    final @Nullable Carry @Nullable [] inherited(String key, int hash, long now) {
      Predecessor from = current(now);
      return from == null ? null : from.table().take(key, hash, now);
    }

    /**
     * Whether the predecessor (or one before it) stores {@code key}: lock-free lookups, so a key
     * neither holds costs no lock and no insertion.
     */
    final boolean predecessorHolds(String key, int hash, long now) {
      Predecessor from = current(now);
      return from != null && (from.table().index.find(key, hash) != null
          || from.table().predecessorHolds(key, hash, now));
    }

    /** The predecessor while its states can matter; forgets it past its horizon. */
    private @Nullable Predecessor current(long now) {
      Predecessor from = predecessor;
      if (from != null && now >= from.until()) {
        predecessor = null;
        return null;
      }
      return from;
    }

    /**
     * For the sweep, under the node's segment lock: whether {@code node} leaves the table (its
     * state expired, or its owner marked it dead); counts it out of the store if so.
     */
    abstract boolean expire(N node, long now);

    /** Removes every key whose state has expired. */
    final void sweepAll(long now) {
      index.sweepAll(n -> expire(n, now));
    }

    /** Drops every key; returns how many there were. */
    final long clear() {
      return index.clear();
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      return CompletableFuture.completedFuture(acquire(key, permits));
    }

    @Override
    public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
      return CompletableFuture.completedFuture(acquireUpTo(key, maxPermits));
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits, long maxWait) {
      return CompletableFuture.completedFuture(reserve(key, permits, maxWait));
    }

    @Override
    public CompletionStage<Decision> refundAsync(String key, long permits) {
      return CompletableFuture.completedFuture(refund(key, permits));
    }

    @Override
    public CompletionStage<Decision> recordAsync(String key, long permits) {
      return CompletableFuture.completedFuture(record(key, permits));
    }

    @Override
    public abstract Decision record(String key, long permits);

    @Override
    public CompletionStage<Void> resetAsync(String key) {
      reset(key);
      return CompletableFuture.completedFuture(null);
    }
  }

  /** A key whose one limit's state is one word, updated by compare-and-set. */
  static final class WordNode extends KeyIndex.Node {
    volatile long word;

    WordNode(int hash, String key, long word) {
      super(hash, key);
      this.word = word;
    }
  }

  private static final VarHandle WORD;

  static {
    try {
      WORD = MethodHandles.lookup().findVarHandle(WordNode.class, "word", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The keys of a limiter with one limit that packs into a word: lock-free decisions. */
  private final class PackedTable extends Table<WordNode> {
    @Override
    Clock clock() {
      return clock;
    }

    private final Packed alg;

    PackedTable(Packed alg) {
      this.alg = alg;
    }

    @Override
    public List<Limit> limits() {
      return List.of(alg.limit());
    }

    @Override
    public Decision acquire(String key, long permits) {
      return decide(key, permits, 0, false, null);
    }

    @Override
    public Grant acquireUpTo(String key, long maxPermits) {
      long[] seen = new long[3];
      Decision d = decide(key, maxPermits, 0, true, seen);
      return new Grant(d.allowed() && !d.degraded() ? seen[1] : 0, d);
    }

    @Override
    public Reservation reserve(String key, long permits, long maxWait) {
      long[] seen = new long[3];
      Decision d = decide(key, permits, maxWait, false, seen);
      return d.allowed() && !d.degraded()
          ? new Reservation(d, alg.waitMicros(seen[0], seen[2], seen[1]))
          : Reservation.immediate(d);
    }

    /**
     * Decides {@code permits} (with {@code upTo}: as many as fit, at most {@code permits}) for
     * {@code key}. With {@code seen} non-null, stores the word decided from, the permits decided
     * and the time in it.
     */
    private Decision decide(String key, long permits, long maxWait, boolean upTo,
        long @Nullable [] seen) {
      checkOpen();
      long now = clock.nowMicros();
      int hash = KeyIndex.hash(key);
      WordNode node = find(key, hash, now);
      for (;;) {
        long word = node == null ? Packed.EMPTY : node.word;
        if (word == Packed.DEAD) { // swept: the locked path below finds what replaced it
          node = null;
          word = Packed.EMPTY;
        }
        long k = upTo ? upToPermits(word, now, permits) : permits;
        if (seen != null) {
          seen[0] = word;
          seen[1] = k;
          seen[2] = now;
        }
        long next = alg.take(word, now, k, maxWait);
        if (next == Packed.REFUSED) {
          return alg.refused(word, now, k);
        }
        if (next == word) { // a check: nothing to write
          return alg.admitted(word, now);
        }
        if (node == null) {
          node = insert(key, hash, next, now);
          if (node == null) {
            return alg.admitted(next, now);
          }
          if (node == STORE_FULL) {
            return storeFull(alg.limit());
          }
        } else if (WORD.compareAndSet(node, word, next)) {
          return alg.admitted(next, now);
        }
      }
    }

    /** As {@link UpTo#permits}: what is available, at most {@code max}; 1 when nothing is. */
    private long upToPermits(long word, long now, long max) {
      long available = alg.available(word, now);
      return available <= 0 ? 1 : Math.min(max, available);
    }

    /**
     * Inserts {@code key} holding {@code word}: null when inserted, {@link #STORE_FULL} when the
     * store has no room, else the node another thread inserted first (decide again on it).
     */
    private @Nullable WordNode insert(String key, int hash, long word, long now) {
      if (!reserveKeySlot(now)) {
        return STORE_FULL;
      }
      boolean[] created = new boolean[1];
      WordNode node = index.findOrInsert(key, hash, k -> new WordNode(hash, k, word),
          n -> expire(n, now), SWEEP_BINS_PER_INSERT, created);
      if (created[0]) {
        return null;
      }
      size.decrementAndGet();
      return node;
    }

    /** Marks {@code node} dead if its state is no more than "no state" at {@code now}. */
    @Override
    boolean expire(WordNode node, long now) {
      long word = node.word;
      if (word != Packed.DEAD && alg.expired(word, now)
          && WORD.compareAndSet(node, word, Packed.DEAD)) {
        size.decrementAndGet();
        expired.increment();
        return true;
      }
      return false;
    }

    @Override
    public Decision record(String key, long permits) {
      checkOpen();
      long now = clock.nowMicros();
      int hash = KeyIndex.hash(key);
      WordNode node = find(key, hash, now);
      for (;;) {
        long word = node == null ? Packed.EMPTY : node.word;
        if (word == Packed.DEAD) { // swept: the locked path below finds what replaced it
          node = null;
          word = Packed.EMPTY;
        }
        boolean fits = alg.take(word, now, permits, 0) != Packed.REFUSED;
        long next = permits == 0 ? word : alg.past(word, now, permits);
        if (next != word) {
          if (node == null) {
            node = insert(key, hash, next, now);
            if (node == STORE_FULL) {
              return storeFull(alg.limit());
            }
            if (node != null) {
              continue; // another thread inserted it first: decide again on its node
            }
          } else if (!WORD.compareAndSet(node, word, next)) {
            continue;
          }
        }
        return fits ? alg.admitted(next, now) : alg.refused(next, now, 1);
      }
    }

    @Override
    public Decision refund(String key, long permits) {
      checkOpen();
      long now = clock.nowMicros();
      WordNode node = find(key, KeyIndex.hash(key), now);
      for (;;) {
        long word = node == null ? Packed.DEAD : node.word;
        if (word == Packed.DEAD) { // nothing stored: nothing to give back, and nothing created
          return alg.admitted(Packed.EMPTY, now);
        }
        long next = alg.refund(word, now, permits);
        if (permits > 0 && alg.expired(next, now)) {
          next = Packed.EMPTY; // nothing left to remember: forget the key, as the rows do
        }
        if (next == word || WORD.compareAndSet(node, word, next)) {
          if (next == Packed.EMPTY && next != word) {
            drop(node);
          }
          return alg.admitted(next, now);
        }
      }
    }

    @Override
    public void reset(String key) {
      checkOpen();
      int hash = KeyIndex.hash(key);
      if (predecessor != null) { // what the key used there is forgotten too
        inherited(key, hash, clock.nowMicros());
      }
      WordNode node = index.find(key, hash);
      if (node == null) {
        return;
      }
      for (;;) {
        long word = node.word;
        if (word == Packed.DEAD) {
          return;
        }
        if (word == Packed.EMPTY || WORD.compareAndSet(node, word, Packed.EMPTY)) {
          drop(node);
          return;
        }
      }
    }

    /**
     * The node of {@code key}; for a key without one while there is a predecessor, the node its
     * inherited state was stored in (null when it inherited nothing).
     */
    private @Nullable WordNode find(String key, int hash, long now) {
      WordNode node = index.find(key, hash);
      return node != null || predecessor == null ? node : inherit(key, hash, now);
    }

    /**
     * The node of a key this table does not hold while the predecessor does: inserted holding the
     * state taken from the predecessor, which moves under the key's segment lock here, so no
     * request sees the key here before it holds what it used. Null when the predecessor holds
     * nothing for it, or the store is full.
     */
    private @Nullable WordNode inherit(String key, int hash, long now) {
      if (!predecessorHolds(key, hash, now) || !reserveKeySlot(now)) {
        return null;
      }
      boolean[] created = new boolean[1];
      WordNode node = index.findOrInsert(key, hash,
          k -> new WordNode(hash, k, adopted(k, hash, now)), n -> expire(n, now),
          SWEEP_BINS_PER_INSERT, created);
      if (!created[0]) {
        size.decrementAndGet();
      }
      return node;
    }

    /** The word {@code key} starts from here: its state taken from the predecessor, or EMPTY. */
    private long adopted(String key, int hash, long now) {
      Carry[] carries = inherited(key, hash, now);
      Carry carry = carries == null ? null : carries[0];
      return carry == null ? Packed.EMPTY : alg.adopt(carry, now);
    }

    @Override
    @Nullable Carry @Nullable [] takeFrom(WordNode node, long now) {
      for (;;) {
        long word = node.word;
        if (word == Packed.DEAD) {
          return null;
        }
        if (WORD.compareAndSet(node, word, Packed.DEAD)) {
          index.remove(node, n -> {
            size.decrementAndGet();
            return true;
          });
          Carry carry = word == Packed.EMPTY ? null : alg.carry(word, now);
          return carry == null ? null : new Carry[] {carry};
        }
      }
    }

    /** Forgets a node left without state (refunded to full, or reset), unless it took state again. */
    private void drop(WordNode node) {
      index.remove(node, n -> {
        if (WORD.compareAndSet(n, Packed.EMPTY, Packed.DEAD)) {
          size.decrementAndGet();
          return true;
        }
        return false;
      });
    }
  }

  /** Stands for "the store is full" among the nodes {@code insert} returns. */
  private static final WordNode STORE_FULL = new WordNode(0, "", Packed.DEAD);

  /** {@code row[0]} of a key that was removed: whoever holds it must look the key up again. */
  private static final long DEAD = Long.MIN_VALUE;
  /** {@code row[0]} of a key inserted but not yet decided: it holds no state yet. */
  private static final long FRESH = Long.MAX_VALUE;

  /**
   * A key with several limits (or a sliding window log): {@code row = [expiresAt, state of limit 0,
   * state of limit 1, ...]} plus one growing array per log, guarded by the node's monitor.
   */
  static final class RowNode extends KeyIndex.Node {
    final long[] row;
    final long[] @Nullable [] logs;

    RowNode(int hash, String key, int rowLength, int logCount) {
      super(hash, key);
      this.row = new long[rowLength];
      this.row[0] = FRESH;
      this.logs = logCount == 0 ? null : new long[logCount][];
    }
  }

  /** The keys of a limiter with several limits (or one that does not pack): a row per key. */
  private final class RowTable extends Table<RowNode> {
    @Override
    Clock clock() {
      return clock;
    }

    final List<Limit> limits;
    final Transition[] transitions;
    /** Offset of each limit's state in the row, or its index among the logs. */
    final int[] offsets;
    final int rowLength;
    final int logCount;

    RowTable(List<Limit> limits) {
      this.limits = List.copyOf(limits);
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
    public List<Limit> limits() {
      return limits;
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
    public Reservation reserve(String key, long permits, long maxWait) {
      checkOpen();
      long now = clock.nowMicros();
      Outcome[] outs = outcomes();
      int hash = KeyIndex.hash(key);
      for (;;) {
        RowNode node = find(key, hash, now);
        if (node == null) {
          // No state: buckets are full and windows empty, so nothing waits and this is exactly
          // acquire's answer; store only what must be remembered.
          evaluateAll(null, null, now, permits, outs);
          if (permits == 0 || !Decisions.allAllowed(outs)) {
            return Reservation.immediate(Decisions.combine(transitions, outs));
          }
          node = insertFresh(key, hash, now);
          if (node == null) {
            return Reservation.immediate(storeFull(transitions[0].limit()));
          }
        }
        Reservation r;
        boolean drop;
        synchronized (node) {
          long[] row = node.row;
          if (row[0] == DEAD) {
            continue;
          }
          boolean fresh = row[0] == FRESH;
          r = reserveRow(fresh ? null : row, row, node.logs, now, permits, maxWait, outs);
          drop = fresh && row[0] == FRESH; // a fresh row that stored nothing
          if (drop) {
            row[0] = DEAD;
          }
        }
        if (drop) {
          unlink(node);
        }
        return r;
      }
    }

    @Override
    public Decision refund(String key, long permits) {
      checkOpen();
      long now = clock.nowMicros();
      Outcome[] outs = outcomes();
      int hash = KeyIndex.hash(key);
      for (;;) {
        RowNode node = find(key, hash, now);
        if (node == null) { // a key without state stays so: nothing is created
          evaluateAll(null, null, now, 0, outs);
          return Decisions.combine(transitions, outs);
        }
        Decision d = null;
        boolean drop = false;
        synchronized (node) {
          long[] row = node.row;
          if (row[0] == DEAD) {
            continue;
          }
          if (row[0] != FRESH) { // FRESH: no state yet, its inserter decides
            d = refundRow(row, node.logs, now, permits, outs);
            drop = permits > 0 && row[0] <= now;
            if (drop) { // the refund left no state: forget the key now
              row[0] = DEAD;
            }
          }
        }
        if (drop) {
          unlink(node);
        }
        if (d == null) {
          evaluateAll(null, null, now, 0, outs);
          d = Decisions.combine(transitions, outs);
        }
        return d;
      }
    }

    @Override
    public void reset(String key) {
      checkOpen();
      int hash = KeyIndex.hash(key);
      if (predecessor != null) { // what the key used there is forgotten too
        inherited(key, hash, clock.nowMicros());
      }
      RowNode node = index.find(key, hash);
      if (node == null) {
        return;
      }
      synchronized (node) {
        node.row[0] = DEAD; // whoever holds it (even a FRESH row's inserter) looks up again
      }
      unlink(node);
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
        commitAll(row, logs, now, permits, outs);
        return new Reservation(Decisions.combine(transitions, outs), Decisions.wait(outs));
      }
      if (!admitted) { // some limit denied: the answer is acquire's denial
        evaluateAll(state, logs, now, permits, outs);
      }
      return Reservation.immediate(Decisions.combine(transitions, outs));
    }

    @Override
    public Decision record(String key, long permits) {
      checkOpen();
      long now = clock.nowMicros();
      Outcome[] outs = outcomes();
      int hash = KeyIndex.hash(key);
      for (;;) {
        RowNode node = find(key, hash, now);
        if (node == null) {
          if (permits == 0) { // a check of a key without state
            evaluateAll(null, null, now, 0, outs);
            return Decisions.combine(transitions, outs);
          }
          node = insertFresh(key, hash, now);
          if (node == null) {
            return storeFull(transitions[0].limit());
          }
        }
        Decision d;
        boolean drop;
        synchronized (node) {
          long[] row = node.row;
          if (row[0] == DEAD) {
            continue;
          }
          boolean fresh = row[0] == FRESH;
          d = recordRow(fresh ? null : row, row, node.logs, now, permits, outs);
          drop = fresh && row[0] == FRESH; // a check that stored nothing
          if (drop) {
            row[0] = DEAD;
          }
        }
        if (drop) {
          unlink(node);
        }
        return d;
      }
    }

    /**
     * Takes {@code permits} past the limit on one key's row, under its monitor: whether every
     * limit had room is decided first, then every limit records them ({@link Transition#past}) and
     * the row expires with its new state. {@code state} is {@code row}, or null for a row without
     * state yet.
     */
    private Decision recordRow(long @Nullable [] state, long[] row, long[] @Nullable [] logs,
        long now, long permits, Outcome[] outs) {
      evaluateAll(state, logs, now, permits, outs);
      boolean fits = Decisions.allAllowed(outs);
      if (permits == 0) {
        return Decisions.combine(transitions, outs);
      }
      for (int i = 0; i < transitions.length; i++) {
        Transition t = transitions[i];
        if (t.width() < 0) {
          logs[offsets[i]] = t.past(logs[offsets[i]], 0, now, permits);
        } else if (state == null) {
          long[] fresh = t.past(null, offsets[i], now, permits);
          System.arraycopy(fresh, offsets[i], row, offsets[i], t.width());
        } else {
          t.past(row, offsets[i], now, permits);
        }
      }
      evaluateAll(row, logs, now, 0, outs);
      long ttl = 0;
      for (Outcome o : outs) {
        ttl = Math.max(ttl, o.resetAfter);
      }
      row[0] = now + ttl;
      if (!fits) { // the denial of a one-permit request afterwards
        evaluateAll(row, logs, now, 1, outs);
      }
      return Decisions.combine(transitions, outs);
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
     * The node of {@code key}: a FRESH row (no state yet) inserted now, or the node another thread
     * inserted first; null when the store is full of live keys.
     */
    private @Nullable RowNode insertFresh(String key, int hash, long now) {
      if (!reserveKeySlot(now)) {
        return null;
      }
      boolean[] created = new boolean[1];
      RowNode node = index.findOrInsert(key, hash, k -> new RowNode(hash, k, rowLength, logCount),
          n -> expire(n, now), SWEEP_BINS_PER_INSERT, created);
      if (!created[0]) {
        size.decrementAndGet();
      }
      return node;
    }

    /**
     * The node of {@code key}; for a key without one while there is a predecessor, the node its
     * inherited state was stored in (null when it inherited nothing).
     */
    private @Nullable RowNode find(String key, int hash, long now) {
      RowNode node = index.find(key, hash);
      return node != null || predecessor == null ? node : inherit(key, hash, now);
    }

    /**
     * The node of a key this table does not hold while the predecessor does: inserted holding the
     * state taken from the predecessor, which moves under the key's segment lock here, so no
     * request sees the key here before it holds what it used. Null when the predecessor holds
     * nothing for it, or the store is full.
     */
    private @Nullable RowNode inherit(String key, int hash, long now) {
      if (!predecessorHolds(key, hash, now) || !reserveKeySlot(now)) {
        return null;
      }
      boolean[] created = new boolean[1];
      RowNode node = index.findOrInsert(key, hash, k -> adopted(k, hash, now),
          n -> expire(n, now), SWEEP_BINS_PER_INSERT, created);
      if (!created[0]) {
        size.decrementAndGet();
      }
      return node;
    }

    /**
     * A node for {@code key} holding the state it takes from the predecessor (limit i from the
     * predecessor's limit i); expired at {@code now} (no state) when it takes nothing.
     */
    private RowNode adopted(String key, int hash, long now) {
      RowNode node = new RowNode(hash, key, rowLength, logCount);
      long[] row = node.row;
      row[0] = now;
      Carry[] carries = inherited(key, hash, now);
      boolean adopted = false;
      for (int i = 0; carries != null && i < Math.min(transitions.length, carries.length); i++) {
        Carry carry = carries[i];
        long[] state = carry == null ? null : transitions[i].adopt(carry, now);
        if (state != null) {
          adopted = true;
          if (transitions[i].width() < 0) {
            node.logs[offsets[i]] = state;
          } else {
            System.arraycopy(state, 0, row, offsets[i], transitions[i].width());
          }
        }
      }
      if (adopted) {
        Outcome[] outs = outcomes();
        evaluateAll(row, node.logs, now, 0, outs);
        long ttl = 0;
        for (Outcome o : outs) {
          ttl = Math.max(ttl, o.resetAfter);
        }
        row[0] = now + ttl;
      }
      return node;
    }

    @Override
    @Nullable Carry @Nullable [] takeFrom(RowNode node, long now) {
      Carry[] carries = new Carry[transitions.length];
      synchronized (node) {
        long[] row = node.row;
        if (row[0] == DEAD || row[0] == FRESH) { // removed, or its inserter is deciding
          return null;
        }
        for (int i = 0; i < transitions.length; i++) {
          Transition t = transitions[i];
          carries[i] = t.width() < 0 ? t.carry(node.logs[offsets[i]], 0, now)
              : t.carry(row, offsets[i], now);
        }
        row[0] = DEAD;
      }
      unlink(node);
      return carries;
    }

    /** Unlinks a node its owner marked dead, outside its monitor (the sweep locks in the other
     * order); the sweep may have unlinked it first, and then counted it. */
    private void unlink(RowNode node) {
      index.remove(node, n -> {
        size.decrementAndGet();
        return true;
      });
    }

    private Outcome[] outcomes() {
      Outcome[] outs = new Outcome[transitions.length];
      for (int i = 0; i < outs.length; i++) {
        outs[i] = new Outcome();
      }
      return outs;
    }

    /**
     * Decides {@code permits} for {@code key}; with {@code taken} non-null, takes up to {@code
     * permits} instead and stores the amount taken in {@code taken[0]}.
     */
    private Decision decide(String key, long permits, long @Nullable [] taken) {
      checkOpen();
      long now = clock.nowMicros();
      Outcome[] outs = outcomes();
      int hash = KeyIndex.hash(key);
      for (;;) {
        RowNode node = find(key, hash, now);
        if (node == null) {
          // A key without state: decide from "no state"; store only what must be remembered.
          long k = taken == null ? permits : UpTo.permitsFromNoState(transitions, now, permits, outs);
          evaluateAll(null, null, now, k, outs);
          if (k == 0 || !Decisions.allAllowed(outs)) {
            return Decisions.combine(transitions, outs);
          }
          node = insertFresh(key, hash, now);
          if (node == null) {
            return storeFull(transitions[0].limit());
          }
        }
        boolean drop;
        Decision d;
        synchronized (node) {
          if (node.row[0] == DEAD) {
            continue;
          }
          d = apply(node, now, permits, outs, taken);
          drop = node.row[0] == DEAD;
        }
        if (drop) { // a fresh row that stored nothing
          unlink(node);
        }
        return d;
      }
    }

    /** Decides on the row of {@code node}, under its monitor. */
    private Decision apply(RowNode node, long now, long max, Outcome[] outs,
        long @Nullable [] taken) {
      long[] row = node.row;
      boolean fresh = row[0] == FRESH;
      long[] @Nullable [] logs = node.logs;
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
      if (fresh && !commit) { // nothing to store: the caller drops the row
        row[0] = DEAD;
        return Decisions.combine(transitions, outs);
      }
      if (commit) { // otherwise the state, and so its expiry, is unchanged
        commitAll(row, logs, now, permits, outs);
      }
      return Decisions.combine(transitions, outs);
    }

    /** Writes every limit's proposed state, and the row's expiry: the latest of their resets. */
    private void commitAll(long[] row, long[] @Nullable [] logs, long now, long permits,
        Outcome[] outs) {
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

    private void evaluateAll(long @Nullable [] row, long[] @Nullable [] logs, long now,
        long permits, Outcome[] outs) {
      for (int i = 0; i < transitions.length; i++) {
        Transition t = transitions[i];
        if (t.width() < 0) {
          t.evaluate(logs == null ? null : logs[offsets[i]], 0, now, permits, outs[i]);
        } else {
          t.evaluate(row, offsets[i], now, permits, outs[i]);
        }
      }
    }

    /** Removes a node that is dead (its owner is about to unlink it) or whose state expired. */
    @Override
    boolean expire(RowNode node, long now) {
      synchronized (node) {
        long expiresAt = node.row[0];
        if (expiresAt != DEAD && expiresAt > now) { // FRESH is MAX_VALUE: never due
          return false;
        }
        if (expiresAt != DEAD) {
          node.row[0] = DEAD;
          expired.increment();
        }
      }
      size.decrementAndGet();
      return true;
    }
  }

  /** Settings of a {@link MemoryBackend}; each is validated when set. */
  public static final class Builder {
    private Clock clock = Clock.system();
    private long maxKeys = 1_000_000;
    private WhenFull whenFull = WhenFull.DENY;
    private boolean packed = true;

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

    /**
     * Whether a limiter with one limit that fits a word decides lock-free on it (default true).
     * False keeps every key in a row under a lock: same answers, slower; for comparisons.
     */
    public Builder packedState(boolean packed) {
      this.packed = packed;
      return this;
    }

    public MemoryBackend build() {
      return new MemoryBackend(this);
    }
  }
}
