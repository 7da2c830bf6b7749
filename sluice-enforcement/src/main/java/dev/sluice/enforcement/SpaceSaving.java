package dev.sluice.enforcement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Space-Saving summary (Metwally, Agrawal and El Abbadi, "Efficient Computation of Frequent
 * and Top-k Elements in Data Streams", 2005): the most frequent keys of a stream in at most
 * {@code capacity} counters, whatever the number of distinct keys.
 *
 * <p>A key already counted is incremented; a new key takes a free counter, or, when all are
 * taken, the counter with the smallest count {@code m}: it starts at {@code m + weight} with
 * error {@code m}. For every key counted, {@code count - error <= true count <= count}; every
 * error is at most {@code total / capacity}; and every key whose true count is over {@code total /
 * capacity} is counted. Thread-safe (one lock; an update is a hash lookup, and a scan of the
 * counters only when a new key replaces one).
 */
final class SpaceSaving {

  /** A counted key: its count (an upper bound) and how much of it may belong to other keys. */
  record Entry(String key, long count, long error) {}

  /**
   * A consistent copy: the entries, the stream's total weight, and the smallest count when every
   * counter is taken (0 otherwise): a key not counted has a true count of at most {@code floor}.
   */
  record Snapshot(List<Entry> entries, long total, long floor) {}

  private static final class Counter {
    String key;
    long count;
    long error;

    Counter(String key, long count, long error) {
      this.key = key;
      this.count = count;
      this.error = error;
    }
  }

  private final int capacity;
  private final Map<String, Counter> byKey;
  private final Counter[] counters;
  private int size;
  private long total;

  SpaceSaving(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    this.byKey = new HashMap<>(capacity * 2);
    this.counters = new Counter[capacity];
  }

  int capacity() {
    return capacity;
  }

  /** Counts {@code weight} (at least 1) for {@code key}. */
  synchronized void add(String key, long weight) {
    total += weight;
    Counter c = byKey.get(key);
    if (c != null) {
      c.count += weight;
      return;
    }
    if (size < capacity) {
      c = new Counter(key, weight, 0);
      counters[size++] = c;
      byKey.put(key, c);
      return;
    }
    Counter min = counters[0];
    for (int i = 1; i < size; i++) {
      if (counters[i].count < min.count) {
        min = counters[i];
      }
    }
    byKey.remove(min.key);
    min.key = key;
    min.error = min.count;
    min.count += weight;
    byKey.put(key, min);
  }

  synchronized Snapshot snapshot() {
    List<Entry> entries = new ArrayList<>(size);
    long floor = size < capacity ? 0 : Long.MAX_VALUE;
    for (int i = 0; i < size; i++) {
      Counter c = counters[i];
      entries.add(new Entry(c.key, c.count, c.error));
      if (size == capacity) {
        floor = Math.min(floor, c.count);
      }
    }
    return new Snapshot(entries, total, floor);
  }
}
