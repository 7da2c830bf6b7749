package dev.sluice.redis;

import dev.sluice.Decision;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The keys known to be over their limits (envoy ratelimit's {@code LOCAL_CACHE_SIZE_IN_BYTES}): a
 * denial Redis gave is kept until the time it said a retry could pass, and an acquire of as many
 * permits for the same key and limits is denied from here without a script call, so a denied hot
 * key costs Redis nothing. Its wait and reset are Redis's, counted down on the clock; its
 * remaining permits are those of the denial (a bucket refilling meanwhile may have a few more,
 * still too few). Any other operation on the key through this backend forgets its denials: a take
 * (an admitted acquire, a take-up-to, a reservation, a record) may lengthen their wait, a refund
 * or a reset may end it.
 *
 * <p><b>Exact.</b> It never admits (it only holds denials), and it denies only what Redis would
 * deny as long as the key's state only grows: the algorithms' retry time is when the denied
 * permits fit again if nothing else is taken, and taking cannot make them fit earlier (another
 * process's takes may make them fit later: the wait reported here is then too short, and the
 * request after it asks Redis again). What it may deny that Redis would admit: after a refund or
 * reset made by another process (another instance's reset, a compensation or lease return
 * elsewhere), until the denial's retry time; and by the difference between this process's clock
 * and Redis's over the denial's wait.
 *
 * <p><b>Bounded.</b> Each key held counts {@value #ENTRY_BYTES} bytes plus twice its length;
 * when an entry would take the total past the budget, expired entries go first, then any others
 * (losing a denial only costs a script call). Times are on the backend's clock; {@link #hits()}
 * counts the denials answered here.
 */
final class OverLimitCache {

  /** What one entry is counted as, besides its key's characters. */
  static final int ENTRY_BYTES = 96;

  private final long budget;
  private final AtomicLong used = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  /** Per key, the denials of each set of limits (usually one). */
  private final ConcurrentHashMap<String, Denials> keys = new ConcurrentHashMap<>();

  /** A cache of at most {@code budgetBytes}; positive. */
  OverLimitCache(long budgetBytes) {
    if (budgetBytes <= 0) {
      throw new IllegalArgumentException("budgetBytes must be positive, was " + budgetBytes);
    }
    this.budget = budgetBytes;
  }

  /**
   * The denial of {@code permits} of {@code key} under {@code owner}'s limits at {@code nowMicros},
   * or null when none is known: then Redis decides.
   */
  @Nullable Decision denied(Object owner, String key, long permits, long nowMicros) {
    Denials d = keys.get(key);
    if (d == null) {
      return null;
    }
    for (Denial e : d.entries) {
      if (e.owner == owner && permits == e.permits && nowMicros < e.retryAtMicros) {
        hits.increment();
        return Decision.denied(e.decision.limit(), e.decision.remaining(),
            Math.max(0, e.resetAtMicros - nowMicros), e.retryAtMicros - nowMicros);
      }
    }
    return null;
  }

  /**
   * Keeps {@code decision}, Redis's answer to an acquire of {@code permits} of {@code key} sent at
   * {@code sentMicros}, when it is a denial that a wait ends: until {@code sentMicros} plus its
   * retry time (Redis decided no earlier than the request was sent, so this is never later than
   * Redis would admit).
   */
  void offer(Object owner, String key, long permits, long sentMicros, Decision decision) {
    if (decision.allowed() || decision.degraded()
        || decision.reason() != Decision.Reason.LIMIT_EXCEEDED) {
      return;
    }
    Denial e = new Denial(owner, permits, sentMicros + decision.retryAfterMicros(),
        sentMicros + decision.resetAfterMicros(), decision);
    long size = ENTRY_BYTES + 2L * key.length();
    if (size > budget) {
      return;
    }
    makeRoom(size, sentMicros);
    keys.compute(key, (k, old) -> {
      if (old == null) {
        used.addAndGet(size);
        return new Denials(List.of(e));
      }
      return old.with(e);
    });
  }

  /** Forgets every denial of {@code key} (a refund or a reset changes what it has room for). */
  void invalidate(String key) {
    Denials d = keys.remove(key);
    if (d != null) {
      used.addAndGet(-(ENTRY_BYTES + 2L * key.length()));
    }
  }

  /** Denials answered here. */
  long hits() {
    return hits.sum();
  }

  /** Keys held now. */
  int size() {
    return keys.size();
  }

  private void makeRoom(long size, long nowMicros) {
    if (used.get() + size <= budget) {
      return;
    }
    for (Iterator<Map.Entry<String, Denials>> it = keys.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Denials> e = it.next();
      if (e.getValue().expired(nowMicros) && keys.remove(e.getKey(), e.getValue())) {
        used.addAndGet(-(ENTRY_BYTES + 2L * e.getKey().length()));
      }
    }
    for (Iterator<String> it = keys.keySet().iterator();
        it.hasNext() && used.get() + size > budget; ) {
      invalidate(it.next());
    }
  }

  private record Denial(Object owner, long permits, long retryAtMicros, long resetAtMicros,
      Decision decision) {}

  /** A key's denials, one per owner (set of limits); replaced whole, never changed. */
  private record Denials(List<Denial> entries) {
    Denials with(Denial e) {
      List<Denial> out = new ArrayList<>(entries.size() + 1);
      for (Denial d : entries) {
        if (d.owner != e.owner) {
          out.add(d);
        }
      }
      out.add(e);
      return new Denials(List.copyOf(out));
    }

    boolean expired(long nowMicros) {
      for (Denial d : entries) {
        if (nowMicros < d.retryAtMicros) {
          return false;
        }
      }
      return true;
    }
  }
}
