package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Clock;
import dev.sluice.Limit;
import dev.sluice.internal.Carry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Moves keys' states from a predecessor's limits to a limiter's ({@link
 * RedisBackend#open(List, dev.sluice.spi.KeyedLimits)}): before this client's first request for
 * a key, one {@code inherit.lua} call converts, writes and deletes the key's states under the
 * predecessor where the key has none under the new limits (both keys share the key's hash tag,
 * so one slot). Limit i takes from the predecessor's limit i when both have the same algorithm
 * and different state keys (an unchanged limit keeps its key, and so its state).
 *
 * <p>Each key is moved once per client (the futures are kept, so later requests pay a map
 * lookup), and only until the predecessor's {@link Carry#horizonMicros horizon}: after it every
 * state the predecessor left has expired, and the map is dropped. The map holds at most {@value
 * #MAX_REMEMBERED} keys: past that it starts over, and a key moved again costs one script call
 * that finds its state already here and changes nothing.
 */
final class Inheritance {

  static final CompletableFuture<Void> MOVED = CompletableFuture.completedFuture(null);
  /** The most keys remembered as moved. */
  static final int MAX_REMEMBERED = 100_000;

  private final RedisLimits heir;
  private final RedisLimits from;
  /** The indexes of the limits that take from the predecessor's limit of the same index. */
  private final int[] pairs;
  private final Script script;
  private final Clock clock;
  private final long until;
  private final ConcurrentHashMap<String, CompletableFuture<Void>> moves =
      new ConcurrentHashMap<>();

  private Inheritance(RedisLimits heir, RedisLimits from, int[] pairs, Set<Algorithm> algorithms,
      Clock clock) {
    this.heir = heir;
    this.from = from;
    this.pairs = pairs;
    this.script = Script.inherit(algorithms);
    this.clock = clock;
    long now = clock.nowMicros();
    long horizon = Carry.horizonMicros(from.limits());
    this.until = horizon > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + horizon;
  }

  /** The moves from {@code from} to {@code heir}, or null when no limit takes anything. */
  static @Nullable Inheritance of(RedisLimits heir, RedisLimits from) {
    List<Limit> limits = heir.limits();
    List<Limit> old = from.limits();
    String[] ownKeys = heir.keys("");
    String[] oldKeys = from.keys("");
    List<Integer> pairs = new ArrayList<>();
    Set<Algorithm> algorithms = EnumSet.noneOf(Algorithm.class);
    for (int i = 0; i < Math.min(limits.size(), old.size()); i++) {
      Algorithm a = limits.get(i).algorithm();
      if (a == old.get(i).algorithm() && !ownKeys[i].equals(oldKeys[i])) {
        pairs.add(i);
        algorithms.add(a);
      }
    }
    if (pairs.isEmpty()) {
      return null;
    }
    RedisBackend backend = heir.backend();
    // an operational bound, not a decision: the client's clock, as for calendar windows
    Clock clock = backend.clock != null ? backend.clock : Clock.system();
    return new Inheritance(heir, from, pairs.stream().mapToInt(Integer::intValue).toArray(),
        algorithms, clock);
  }

  /** Whether the predecessor's states can no longer matter. */
  boolean expired() {
    return clock.nowMicros() >= until;
  }

  /** The move of {@code key}: started by its first request, shared by those that follow. */
  CompletableFuture<Void> move(String key) {
    CompletableFuture<Void> f = moves.get(key);
    if (f != null) {
      return f;
    }
    if (moves.size() >= MAX_REMEMBERED) {
      moves.clear();
    }
    return moves.computeIfAbsent(key, this::start);
  }

  private CompletableFuture<Void> start(String key) {
    RedisBackend backend = heir.backend();
    String[] own = heir.keys(key);
    String[] old = from.keys(key);
    String[] keys = new String[2 * pairs.length];
    List<String> args = new ArrayList<>(3 + 8 * pairs.length);
    args.add(Integer.toString(pairs.length));
    args.add(Long.toString(backend.ttlMarginMillis));
    long now = backend.clock == null ? CalendarBounds.SERVER_TIME : backend.clock.nowMicros();
    args.add(now == CalendarBounds.SERVER_TIME ? "" : Long.toString(now));
    for (int j = 0; j < pairs.length; j++) {
      int i = pairs[j];
      keys[j] = own[i];
      keys[pairs.length + j] = old[i];
      heir.limitArgs(args, i, now);
      from.limitArgs(args, i, now);
    }
    String[] a = args.toArray(String[]::new);
    CompletableFuture<List<Object>> call;
    try {
      call = backend.connector.connection()
          .thenCompose(c -> RedisLimits.run(c.commands(), script, keys, a));
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.orTimeout(heir.timeoutNanos(), TimeUnit.NANOSECONDS)
        .handle((reply, error) -> {
          if (error != null) { // the key's next request tries again
            moves.remove(key);
          }
          return null;
        });
  }
}
