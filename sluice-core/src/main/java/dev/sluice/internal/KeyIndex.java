package dev.sluice.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The keys of one limiter: a hash table of nodes chained per bin, split into segments. Shared by
 * the in-memory backend and the eventual mode, whose nodes hold each key's state inline (one
 * object per key, found without a further indirection).
 *
 * <p>Lookups take no lock. Inserting, removing and resizing lock one segment. A lookup that races
 * a resize may miss a key that is there; callers then insert under the lock, which finds it. A
 * node stays in place for its whole life (the node <em>is</em> the key's state), so a caller
 * holding it may update its state without the table; a removed node is marked dead by its owner
 * before it is unlinked, and holders of a dead node look the key up again.
 *
 * <p>Memory: a node (32 bytes for one packed limit) plus 4 to 8 bytes of bin per key.
 */
public final class KeyIndex<N extends KeyIndex.Node> {

  /** A key in the table; subclasses hold its state. */
  public abstract static class Node {
    public final int hash;
    public final String key;
    volatile @Nullable Node next;

    protected Node(int hash, String key) {
      this.hash = hash;
      this.key = key;
    }
  }

  /** Decides, under the segment's lock, whether a node is removed (and marks it dead if so). */
  public interface Remover<N> {
    boolean remove(N node);
  }

  private static final VarHandle BINS = MethodHandles.arrayElementVarHandle(Node[].class);
  private static final int SEGMENT_BITS = 4;
  private static final int MIN_BINS = 4;
  private static final int MAX_BINS = 1 << 27;

  private final Segment[] segments = new Segment[1 << SEGMENT_BITS];

  public KeyIndex() {
    for (int i = 0; i < segments.length; i++) {
      segments[i] = new Segment();
    }
  }

  /** The hash of {@code key} as this table spreads it. */
  public static int hash(String key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & 0x7fff_ffff;
  }

  private Segment segment(int hash) {
    return segments[hash >>> (31 - SEGMENT_BITS)];
  }

  /** The node of {@code key}, or null if absent (or, rarely, moving in a resize). No lock. */
  @SuppressWarnings("unchecked")
  public @Nullable N find(String key, int hash) {
    Node[] bins = segment(hash).bins;
    Node n = (Node) BINS.getAcquire(bins, hash & (bins.length - 1));
    while (n != null && (n.hash != hash || (n.key != key && !n.key.equals(key)))) {
      n = n.next;
    }
    return (N) n;
  }

  /**
   * The node of {@code key}: the one present, or the one {@code create} makes, inserted. Under the
   * segment's lock, where {@code sweep} examines a few more bins of the segment for removal. Returns
   * the node and whether it was created as {@code created[0]}.
   */
  @SuppressWarnings("unchecked")
  public N findOrInsert(String key, int hash, Function<String, N> create, Remover<N> sweep,
      int binsToSweep, boolean[] created) {
    Segment s = segment(hash);
    synchronized (s) {
      Node[] bins = s.bins;
      int i = hash & (bins.length - 1);
      for (Node n = bins[i]; n != null; n = n.next) {
        if (n.hash == hash && n.key.equals(key)) {
          created[0] = false;
          return (N) n;
        }
      }
      N node = create.apply(key);
      node.next = bins[i];
      BINS.setRelease(bins, i, node);
      created[0] = true;
      if (++s.count > bins.length - (bins.length >>> 2) && bins.length < MAX_BINS) {
        s.rebuild(bins.length << 1);
      }
      sweepSome(s, sweep, binsToSweep);
      return node;
    }
  }

  /** Unlinks {@code node} if {@code remover} says so, under its segment's lock. */
  public boolean remove(N node, Remover<N> remover) {
    Segment s = segment(node.hash);
    synchronized (s) {
      Node[] bins = s.bins;
      int i = node.hash & (bins.length - 1);
      Node prev = null;
      for (Node n = bins[i]; n != null; prev = n, n = n.next) {
        if (n == node) {
          return unlinkIf(s, bins, i, prev, node, remover);
        }
      }
      return false;
    }
  }

  /** Examines every node, removing those {@code remover} says; returns how many it removed. */
  public long sweepAll(Remover<N> remover) {
    long removed = 0;
    for (Segment s : segments) {
      synchronized (s) {
        removed += sweepSome(s, remover, s.bins.length);
        if (s.bins.length > MIN_BINS && s.count < s.bins.length >>> 3) {
          s.rebuild(Math.max(MIN_BINS, Integer.highestOneBit(Math.max(1, s.count)) << 2));
        }
      }
    }
    return removed;
  }

  /** Removes every node, without asking (the backend is closing). Returns how many there were. */
  public long clear() {
    long n = 0;
    for (Segment s : segments) {
      synchronized (s) {
        n += s.count;
        s.count = 0;
        s.bins = new Node[MIN_BINS];
      }
    }
    return n;
  }

  /** Keys in the table. */
  public long size() {
    long n = 0;
    for (Segment s : segments) {
      synchronized (s) {
        n += s.count;
      }
    }
    return n;
  }

  /**
   * The node of {@code key}, or null if absent, looked up under its segment's lock: never misses
   * a key that is there (a lookup racing a resize may).
   */
  @SuppressWarnings("unchecked")
  public @Nullable N findLocked(String key, int hash) {
    Segment s = segment(hash);
    synchronized (s) {
      Node[] bins = s.bins;
      for (Node n = bins[hash & (bins.length - 1)]; n != null; n = n.next) {
        if (n.hash == hash && n.key.equals(key)) {
          return (N) n;
        }
      }
      return null;
    }
  }

  /**
   * Examines about {@code binCount} bins in all (spread over the segments, each from its
   * cursor on), removing the nodes {@code remover} says; returns how many it removed.
   */
  public long sweepSome(Remover<N> remover, int binCount) {
    int perSegment = Math.max(1, binCount / segments.length);
    long removed = 0;
    for (Segment s : segments) {
      synchronized (s) {
        removed += sweepSome(s, remover, Math.min(perSegment, s.bins.length));
      }
    }
    return removed;
  }

  /** Calls {@code action} on every node, each segment under its lock. */
  @SuppressWarnings("unchecked")
  public void forEach(Consumer<N> action) {
    for (Segment s : segments) {
      synchronized (s) {
        for (Node head : s.bins) {
          for (Node n = head; n != null; n = n.next) {
            action.accept((N) n);
          }
        }
      }
    }
  }

  /** Sweeps {@code binCount} bins of {@code s} from its cursor on; the caller holds its lock. */
  private int sweepSome(Segment s, Remover<N> remover, int binCount) {
    Node[] bins = s.bins;
    int removed = 0;
    int i = s.cursor;
    for (int examined = 0; examined < binCount && s.count > 0; examined++) {
      i = (i + 1) & (bins.length - 1);
      Node prev = null;
      for (Node n = bins[i]; n != null; n = n.next) {
        if (unlinkIf(s, bins, i, prev, n, remover)) {
          removed++;
        } else {
          prev = n;
        }
      }
    }
    s.cursor = i;
    return removed;
  }

  @SuppressWarnings("unchecked")
  private boolean unlinkIf(Segment s, Node[] bins, int i, @Nullable Node prev, Node n,
      Remover<N> remover) {
    if (!remover.remove((N) n)) {
      return false;
    }
    if (prev == null) {
      BINS.setRelease(bins, i, n.next);
    } else {
      prev.next = n.next;
    }
    s.count--;
    return true;
  }

  /** A part of the table with its own lock, bins and count. */
  private static final class Segment {
    volatile Node[] bins = new Node[MIN_BINS];
    /** Nodes in this segment; guarded by this. */
    int count;
    /** The last bin examined by the incremental sweep; guarded by this. */
    int cursor;

    /**
     * Moves every node into {@code length} new bins, keeping each chain's order so that a lookup
     * walking a chain while it is relinked still ends (it may miss, never loop). Guarded by this.
     */
    void rebuild(int length) {
      Node[] old = bins;
      Node[] grown = new Node[length];
      Node[] tails = new Node[length];
      for (Node head : old) {
        for (Node n = head; n != null; ) {
          Node next = n.next;
          int j = n.hash & (length - 1);
          if (tails[j] == null) {
            grown[j] = n;
          } else {
            tails[j].next = n;
          }
          tails[j] = n;
          n = next;
        }
      }
      for (Node tail : tails) {
        if (tail != null) {
          tail.next = null;
        }
      }
      bins = grown;
    }
  }
}
