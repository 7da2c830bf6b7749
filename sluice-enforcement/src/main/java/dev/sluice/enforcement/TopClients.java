package dev.sluice.enforcement;

import dev.sluice.Clock;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most limited (and the most active) clients per domain and rule, in fixed memory whatever
 * the number of distinct clients: an {@link Observer} of the {@link Enforcer} that counts each
 * decided descriptor under its rule ({@link RuleMatch#ruleKey()}) in a {@link SpaceSaving
 * Space-Saving} summary per minute, ten minutes kept.
 *
 * <p>A client is the request's descriptor, {@code key=value} entries joined by {@code ", "};
 * one longer than {@value #MAX_CLIENT_CHARS} characters is kept as its first characters and a hash
 * of the rest (distinct clients stay distinct but for hash collisions). <b>Refused</b> counts
 * requests refused by their limit or, in a shadow-mode rule, that would have been; <b>active</b>
 * counts every counted request (not those without a rule or under {@code unlimited}).
 *
 * <p>Accuracy: over a window, each row's {@code count} is an upper bound of the client's true
 * count and {@code count - error} a lower bound; {@code error} is at most {@code total ×
 * minutes / capacity}, and every client with more than {@code total / capacity} requests in each
 * minute of the window is listed. Memory: at most {@code maxTables × 2 kinds × 10 minutes ×
 * capacity} counters; tables without traffic for ten minutes are dropped. Time is the injected
 * {@link Clock}.
 */
public final class TopClients implements Observer {

  /** What a table counts. */
  public enum Kind {
    /** Requests refused (or, in a shadow-mode rule, that would have been). */
    REFUSED,
    /** Every counted request. */
    ACTIVE
  }

  /** A rule with traffic in the last ten minutes: its domain and its name within the domain. */
  public record Table(String domain, String descriptor) {}

  /**
   * One client: {@code count} is an upper bound of its requests in the window, {@code count -
   * error} a lower bound.
   */
  public record Row(String client, long count, long error) {}

  /**
   * The top rows of one table over {@code window}, most first, and the total of requests the
   * table counted in that window.
   */
  public record Top(Table table, Kind kind, Duration window, long total, List<Row> rows) {}

  /** Longest client kept whole. */
  public static final int MAX_CLIENT_CHARS = 256;
  /** The longest window {@link #top} answers. */
  public static final Duration MAX_WINDOW = Duration.ofMinutes(10);

  private static final long MINUTE_MICROS = 60_000_000L;
  private static final int SLOTS = 10;

  private final int capacity;
  private final int maxTables;
  private final Clock clock;
  private final Map<Key, Ring> rings = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();

  private record Key(Table table, Kind kind) {}

  private record Slot(long minute, SpaceSaving summary) {}

  private final class Ring {
    final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(SLOTS);
    volatile long lastMinute;

    void add(long minute, String client) {
      int i = (int) Math.floorMod(minute, (long) SLOTS);
      while (true) {
        Slot s = slots.get(i);
        if (s != null && s.minute >= minute) {
          if (s.minute == minute) {
            s.summary.add(client, 1);
          }
          // else: a thread late by ten minutes or more; its count has left the window
          break;
        }
        // a new minute in this slot: replace it, then count (the loop reads it again)
        slots.compareAndSet(i, s, new Slot(minute, new SpaceSaving(capacity)));
      }
      if (minute > lastMinute) {
        lastMinute = minute;
      }
    }
  }

  /**
   * @param capacity counters per table and minute: the number of clients a table can list
   * @param maxTables tables kept at most (rule and kind); past it, new tables are not tracked and
   *     {@link #droppedTables()} counts them
   * @param clock the time minutes are read from
   */
  public TopClients(int capacity, int maxTables, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    if (maxTables < 1) {
      throw new IllegalArgumentException("maxTables must be at least 1, was " + maxTables);
    }
    this.capacity = capacity;
    this.maxTables = maxTables;
    this.clock = Objects.requireNonNull(clock, "clock must not be null");
  }

  /** Counters per table and minute. */
  public int capacity() {
    return capacity;
  }

  @Override
  public void decided(String domain, Status status) {
    RuleMatch match = status.match();
    Descriptor descriptor = status.descriptor();
    if (match == null || descriptor == null) {
      return;
    }
    Outcome outcome = status.outcome();
    if (outcome == Outcome.NO_RULE || outcome == Outcome.UNLIMITED) {
      return;
    }
    String ruleKey = match.ruleKey();
    String name = ruleKey.startsWith(match.domain() + ".")
        ? ruleKey.substring(match.domain().length() + 1) : ruleKey;
    Table table = new Table(match.domain(), name);
    String client = client(descriptor);
    long minute = Math.floorDiv(clock.nowMicros(), MINUTE_MICROS);
    count(new Key(table, Kind.ACTIVE), minute, client);
    if (outcome == Outcome.OVER_LIMIT || outcome == Outcome.SHADOW_OVER_LIMIT) {
      count(new Key(table, Kind.REFUSED), minute, client);
    }
  }

  private void count(Key key, long minute, String client) {
    Ring ring = rings.get(key);
    if (ring == null) {
      if (rings.size() >= maxTables) {
        prune(minute);
        if (rings.size() >= maxTables) {
          dropped.incrementAndGet();
          return;
        }
      }
      ring = rings.computeIfAbsent(key, k -> new Ring());
    }
    ring.add(minute, client);
  }

  private void prune(long minute) {
    rings.values().removeIf(r -> r.lastMinute <= minute - SLOTS);
  }

  /** The client a descriptor stands for, at most {@value #MAX_CLIENT_CHARS} characters. */
  static String client(Descriptor descriptor) {
    StringBuilder sb = new StringBuilder();
    for (Descriptor.Entry e : descriptor.entries()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(e.key()).append('=').append(e.value());
      if (sb.length() > 4 * MAX_CLIENT_CHARS) {
        break;
      }
    }
    String s = sb.toString();
    if (s.length() <= MAX_CLIENT_CHARS) {
      return s;
    }
    String full = descriptor.entries().toString();
    String suffix = "…#" + String.format("%08x", full.hashCode());
    int cut = MAX_CLIENT_CHARS - suffix.length();
    if (Character.isHighSurrogate(s.charAt(cut - 1))) {
      cut--;
    }
    return s.substring(0, cut) + suffix;
  }

  /** The tables with traffic in the last ten minutes, by domain and descriptor. */
  public List<Table> tables() {
    long minute = Math.floorDiv(clock.nowMicros(), MINUTE_MICROS);
    prune(minute);
    List<Table> out = new ArrayList<>();
    for (Key k : rings.keySet()) {
      if (k.kind == Kind.ACTIVE) {
        out.add(k.table);
      }
    }
    out.sort(Comparator.comparing(Table::domain).thenComparing(Table::descriptor));
    return out;
  }

  /** Tables that were not tracked because {@code maxTables} were. */
  public long droppedTables() {
    return dropped.get();
  }

  /**
   * The {@code limit} clients of {@code table} with the highest counts of {@code kind} over the
   * last {@code window} (whole minutes, the current one included; at most {@link #MAX_WINDOW}),
   * most first. A table without traffic in the window gives no rows.
   */
  public Top top(Table table, Kind kind, Duration window, int limit) {
    long minutes = Math.max(1, Math.min(SLOTS, (window.toSeconds() + 59) / 60));
    long now = Math.floorDiv(clock.nowMicros(), MINUTE_MICROS);
    Ring ring = rings.get(new Key(table, kind));
    List<SpaceSaving.Snapshot> parts = new ArrayList<>();
    if (ring != null) {
      for (int i = 0; i < SLOTS; i++) {
        Slot s = ring.slots.get(i);
        if (s != null && s.minute > now - minutes && s.minute <= now) {
          parts.add(s.summary.snapshot());
        }
      }
    }
    return new Top(table, kind, Duration.ofMinutes(minutes), total(parts),
        merge(parts, limit));
  }

  private static long total(List<SpaceSaving.Snapshot> parts) {
    long t = 0;
    for (SpaceSaving.Snapshot p : parts) {
      t += p.total();
    }
    return t;
  }

  /**
   * Merged rows: a client's count in a minute where it was not counted is at most that minute's
   * floor, which is added to both its count and its error (the mergeable summaries' bound).
   */
  static List<Row> merge(List<SpaceSaving.Snapshot> parts, int limit) {
    long floors = 0;
    for (SpaceSaving.Snapshot p : parts) {
      floors += p.floor();
    }
    // per client: count, error, and the floors of the minutes that counted it
    Map<String, long[]> merged = new HashMap<>();
    for (SpaceSaving.Snapshot p : parts) {
      for (SpaceSaving.Entry e : p.entries()) {
        long[] m = merged.computeIfAbsent(e.key(), k -> new long[3]);
        m[0] += e.count();
        m[1] += e.error();
        m[2] += p.floor();
      }
    }
    List<Row> rows = new ArrayList<>(merged.size());
    for (Map.Entry<String, long[]> e : merged.entrySet()) {
      long[] m = e.getValue();
      long absent = floors - m[2];
      rows.add(new Row(e.getKey(), m[0] + absent, m[1] + absent));
    }
    rows.sort(Comparator.comparingLong(Row::count).reversed()
        .thenComparingLong(Row::error).thenComparing(Row::client));
    return rows.size() > limit ? List.copyOf(rows.subList(0, limit)) : rows;
  }
}
