package dev.sluice.enforcement;

import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The limiters of a front end: one {@link RateLimiter} per distinct set of limits and mode
 * (consistent or eventual), created on first use and kept, so that a reload that keeps a rule
 * keeps its counters. Bounded: past {@code maxSize} limiters, the least recently used one is
 * dropped. {@link #retain} drops those the live rules no longer reference (see {@link Enforcer},
 * which calls it when the rules change). Thread-safe; a lookup of a cached limiter takes no lock.
 *
 * <p>A dropped limiter's state is lost to this cache: in memory its counters start afresh if the
 * same limits come back. The bound is a safety net, far above what the rules of one service
 * reference.
 *
 * <p><b>Changed limits.</b> {@link #succeed} names the limiter whose keys the limiter of other
 * limits takes over when it is created (a rule whose limits a reload changed): the new limiter
 * is built with the old one as its predecessor ({@link RateLimiter.Builder#predecessor}), so
 * every key keeps what it used.
 */
public final class LimiterCache {

  /** The default bound. */
  public static final int DEFAULT_MAX_SIZE = 10_000;

  /** What a limiter is cached by: its limits, in order, and whether it decides eventually. */
  public record Key(List<Limit> limits, boolean eventual) {
    public Key {
      limits = List.copyOf(limits);
    }
  }

  /** Builds the limiter of a key (on the backend its mode decides on, named as the caller likes). */
  @FunctionalInterface
  public interface Factory {
    /**
     * The limiter of {@code key}; with {@code predecessor} non-null, one whose keys keep what they
     * used under it ({@link RateLimiter.Builder#predecessor}).
     */
    RateLimiter create(Key key, @Nullable RateLimiter predecessor);
  }

  private static final class Entry {
    final RateLimiter limiter;
    volatile long used;

    Entry(RateLimiter limiter, long used) {
      this.limiter = limiter;
      this.used = used;
    }
  }

  private final int maxSize;
  private final Factory factory;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  /** The limiters not built yet whose keys take over those of an old limiter: new key → old. */
  private final Map<Key, RateLimiter> predecessors = new ConcurrentHashMap<>();
  /**
   * Advanced by every insertion and by every use of an entry that was not the latest: the "time"
   * of recency, without reading a clock, so no two entries share one.
   */
  private final AtomicLong epoch = new AtomicLong();

  /**
   * @throws IllegalArgumentException when {@code maxSize} is not positive
   */
  public LimiterCache(int maxSize, Factory factory) {
    if (maxSize <= 0) {
      throw new IllegalArgumentException("maxSize must be positive, was " + maxSize);
    }
    this.maxSize = maxSize;
    this.factory = Objects.requireNonNull(factory, "factory must not be null");
  }

  /** The limiter of {@code limits} in the given mode, built on first use. */
  public RateLimiter get(List<Limit> limits, boolean eventual) {
    Key key = new Key(limits, eventual);
    long now = epoch.get();
    Entry e = entries.get(key);
    if (e == null) {
      e = entries.computeIfAbsent(key,
          k -> new Entry(factory.create(k, predecessors.remove(k)), epoch.incrementAndGet()));
      if (entries.size() > maxSize) {
        evict(key);
      }
    } else if (e.used != now) {
      // not the most recent use: becomes it (an entry used over and over advances nothing)
      e.used = epoch.incrementAndGet();
    }
    return e.limiter;
  }

  /** Drops the least recently used entries other than {@code keep} until within the bound. */
  private synchronized void evict(Key keep) {
    while (entries.size() > maxSize) {
      Key oldest = null;
      long oldestUse = Long.MAX_VALUE;
      for (Map.Entry<Key, Entry> e : entries.entrySet()) {
        if (!e.getKey().equals(keep) && e.getValue().used < oldestUse) {
          oldest = e.getKey();
          oldestUse = e.getValue().used;
        }
      }
      if (oldest == null) {
        return;
      }
      entries.remove(oldest);
    }
  }

  /**
   * Makes the limiter of {@code next}, when it is created, take over the keys of the limiter of
   * {@code previous}: each key keeps what it used under the old limits ({@link
   * RateLimiter.Builder#predecessor}). The old limiter is the cached one, or the one {@code
   * previous} itself was to take over if it was never built. No effect when {@code next} is
   * cached already (its limiter exists; its keys keep their own state) or there is no old
   * limiter; the last call for {@code next} wins.
   */
  public void succeed(Key next, Key previous) {
    if (entries.containsKey(next)) {
      return;
    }
    Entry e = entries.get(previous);
    RateLimiter old = e != null ? e.limiter : predecessors.get(previous);
    if (old != null) {
      predecessors.put(next, old);
    }
  }

  /**
   * Drops every limiter whose key {@code live} refuses (and every pending {@link #succeed} of
   * such a key); returns how many limiters were dropped.
   */
  public int retain(Predicate<Key> live) {
    List<Key> dead = new ArrayList<>();
    for (Key k : entries.keySet()) {
      if (!live.test(k)) {
        dead.add(k);
      }
    }
    dead.forEach(entries::remove);
    predecessors.keySet().removeIf(k -> !live.test(k));
    epoch.incrementAndGet();
    return dead.size();
  }

  /** How many limiters are cached. */
  public int size() {
    return entries.size();
  }

  /** The most limiters kept. */
  public int maxSize() {
    return maxSize;
  }

  /** Whether a limiter for these limits and mode is cached. */
  public boolean contains(List<Limit> limits, boolean eventual) {
    return entries.containsKey(new Key(limits, eventual));
  }
}
