package dev.sluice.spi;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Settlement;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The holds of an in-process store ({@link KeyedLimits#holdAsync}, {@link
 * KeyedLimits#settleAsync}) over its own {@code acquire}, {@code refund} and {@code record}: one
 * table per limiter, on the store's injected {@link Clock}.
 *
 * <p>A hold is claimed once: the settle that finds it open marks it settled under the table's
 * lock, then adjusts the key, so two settles never both adjust. A settled hold is kept (to answer
 * {@link Settlement.Status#ALREADY_SETTLED}) until its timeout; an expired one is forgotten, its
 * estimate kept. The table holds at most {@code maxHolds}; a hold beyond that, when none has
 * expired, fails with {@link IllegalStateException} before anything is taken.
 */
public final class Holds {

  /** The default bound on open (and settled, not yet expired) holds per limiter. */
  public static final int DEFAULT_MAX_HOLDS = 1_000_000;

  private record Id(String key, String holdId) {}

  private static final class Entry {
    final Id id;
    final long estimate;
    final long expiresAt;
    boolean settled;

    Entry(Id id, long estimate, long expiresAt) {
      this.id = id;
      this.estimate = estimate;
      this.expiresAt = expiresAt;
    }
  }

  private final Clock clock;
  private final int maxHolds;
  private final Map<Id, Entry> byId = new HashMap<>();
  private final PriorityQueue<Entry> byExpiry =
      new PriorityQueue<>((a, b) -> Long.compare(a.expiresAt, b.expiresAt));

  public Holds(Clock clock, int maxHolds) {
    if (maxHolds < 1) {
      throw new IllegalArgumentException("maxHolds must be >= 1, was " + maxHolds);
    }
    this.clock = clock;
    this.maxHolds = maxHolds;
  }

  public Holds(Clock clock) {
    this(clock, DEFAULT_MAX_HOLDS);
  }

  /** Holds open or settled and not yet expired (after dropping the expired ones). */
  public int size() {
    synchronized (this) {
      expire(clock.nowMicros());
      return byId.size();
    }
  }

  /** {@link KeyedLimits#holdAsync} over {@code limits}' acquire. */
  public Decision hold(KeyedLimits limits, String key, String holdId, long permits,
      long timeoutMicros) {
    Id id = new Id(key, holdId);
    synchronized (this) {
      expire(clock.nowMicros());
      if (byId.containsKey(id)) {
        throw new IllegalArgumentException("hold id \"" + holdId + "\" is in use for this key");
      }
      if (byId.size() >= maxHolds) {
        throw new IllegalStateException("too many holds: " + maxHolds
            + " are open or settled and not yet expired");
      }
    }
    Decision d = limits.acquire(key, permits);
    if (d.allowed() && !d.degraded()) {
      long now = clock.nowMicros();
      long expiresAt = now + timeoutMicros < now ? Long.MAX_VALUE : now + timeoutMicros;
      Entry e = new Entry(id, permits, expiresAt);
      synchronized (this) {
        byId.put(id, e);
        byExpiry.add(e);
      }
    }
    return d;
  }

  /** {@link KeyedLimits#settleAsync} over {@code limits}' refund and record. */
  public Settlement settle(KeyedLimits limits, String key, String holdId, long actual) {
    Entry e;
    boolean before;
    synchronized (this) {
      expire(clock.nowMicros());
      e = byId.get(new Id(key, holdId));
      before = e != null && e.settled;
      if (e != null) {
        e.settled = true;
      }
    }
    if (e == null) {
      return new Settlement(Settlement.Status.UNKNOWN, 0, actual, limits.refund(key, 0));
    }
    if (before) {
      return new Settlement(Settlement.Status.ALREADY_SETTLED, e.estimate, actual,
          limits.refund(key, 0));
    }
    return new Settlement(Settlement.Status.SETTLED, e.estimate, actual,
        adjust(limits, key, e.estimate, actual));
  }

  /** The adjustment of a settle: refund or record the difference (a check when equal). */
  private static Decision adjust(KeyedLimits limits, String key, long estimate, long actual) {
    return actual < estimate ? limits.refund(key, estimate - actual)
        : actual > estimate ? limits.record(key, actual - estimate)
        : limits.refund(key, 0);
  }

  /** The same, completed: for stores whose operations complete at once. */
  public CompletionStage<Settlement> settleAsync(KeyedLimits limits, String key, String holdId,
      long actual) {
    return CompletableFuture.completedFuture(settle(limits, key, holdId, actual));
  }

  /** Forgets holds whose timeout has passed (the caller holds the lock). */
  private void expire(long now) {
    Entry e;
    while ((e = byExpiry.peek()) != null && e.expiresAt <= now) {
      byExpiry.poll();
      byId.remove(e.id);
    }
  }
}
