package dev.sluice.internal;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.jspecify.annotations.Nullable;

/**
 * A generated life of one or more keys under some limits: a start time and a list of steps, each
 * moving the clock forward and asking for some permits.
 *
 * <p>Limits have small counts, bursts below and above the count, and periods from 1 µs (emission
 * intervals below a microsecond) through awkward lengths not divisible by the count to minutes.
 * Steps move the clock by nothing (bursts), by about an emission interval, by about a period, or
 * far enough to refill everything; or exactly onto a window edge or the last retryAfter, give or
 * take a microsecond, where off-by-one errors live.
 */
record Scenario(List<Limit> limits, long start, List<Scenario.Step> steps) {

  enum Move { BY, TO_WINDOW_EDGE, TO_RETRY_AFTER, BACK }

  /**
   * How to move the clock ({@code amount}: µs for BY, an offset of -1..1 otherwise; {@code which}
   * limit's windows for TO_WINDOW_EDGE), then {@code permits} for key number {@code key}, after a
   * {@code cleanUp} of expired state where the driver has one. BACK moves the clock back by
   * {@code amount} µs, as a skewed clock of another instance would.
   */
  record Step(Move move, long amount, int which, long permits, int key, boolean cleanUp) {}

  /** One request; returns its retryAfter, which a later TO_RETRY_AFTER step waits for. */
  interface Request {
    long at(long now, long permits, int key, boolean cleanUp);
  }

  /** Replays the steps in order. */
  void run(Request request) {
    long now = start;
    long retry = 0;
    for (Step s : steps) {
      now += switch (s.move()) {
        case BY -> s.amount();
        case TO_WINDOW_EDGE -> {
          long p = limits.get(s.which() % limits.size()).periodMicros();
          long next = Math.floorDiv(now, p) * p + p;
          yield Math.max(0, next + s.amount() - now);
        }
        case TO_RETRY_AFTER -> retry == Long.MAX_VALUE ? 0 : Math.max(0, retry + s.amount());
        case BACK -> -s.amount();
      };
      retry = request.at(now, s.permits(), s.key(), s.cleanUp());
    }
  }

  static Arbitrary<Limit> limits(Algorithm... algorithms) {
    Arbitrary<Long> counts = Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(1L)),
        Tuple.of(6, Arbitraries.longs().between(1, 12)));
    Arbitrary<Long> periods = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.longs().between(1, 40)),
        Tuple.of(4, Arbitraries.longs().between(41, 100_000)),
        Tuple.of(3, Arbitraries.of(1_000_000L, 1_500_000L, 3_000_000L, 7_000_001L, 60_000_000L)),
        Tuple.of(2, Arbitraries.longs().between(100_001, 20_000_000)));
    Arbitrary<Long> bursts = Arbitraries.longs().between(1, 15);
    return Combinators.combine(Arbitraries.of(algorithms), counts, periods, bursts)
        .as((algorithm, count, period, burst) -> {
          Limit.Builder limit = Limit.builderOfMicros(count, period).algorithm(algorithm);
          return (algorithm.hasBurst() ? limit.burst(burst) : limit).build();
        });
  }

  /**
   * Limits at the edges of what {@link Limit} accepts: counts up to 2^40, periods up to 100 years,
   * bursts up to count × burst = 2^53 and refill times near 2^53 µs.
   */
  static Arbitrary<Limit> extremeLimits() {
    Arbitrary<Long> counts = Arbitraries.of(1L, 2L, 3L, 7L, 1_000L, 999_983L, 1L << 26, 1L << 40);
    Arbitrary<Long> periods = Arbitraries.of(1L, 3L, 999_983L, 86_400_000_000L,
        Limit.MAX_PERIOD.toSeconds() * 1_000_000L);
    Arbitrary<Long> burstShifts = Arbitraries.integers().between(0, 53).map(i -> 1L << i);
    return Combinators.combine(Arbitraries.of(Algorithm.values()), counts, periods, burstShifts)
        .as(Scenario::limitOrNull)
        .filter(l -> l != null);
  }

  private static @Nullable Limit limitOrNull(Algorithm a, long count, long period, long burst) {
    try {
      Limit.Builder limit = Limit.builderOfMicros(count, period).algorithm(a);
      return (a.hasBurst() ? limit.burst(burst) : limit).build();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static Arbitrary<Scenario> of(Arbitrary<List<Limit>> limits, int keys) {
    return of(limits, keys, false);
  }

  /** Scenarios whose clock may also move back ({@code skewed}). */
  static Arbitrary<Scenario> of(Arbitrary<List<Limit>> limits, int keys, boolean skewed) {
    return limits.flatMap(ls -> Combinators.combine(starts(), steps(ls, keys, skewed).list()
            .ofMinSize(1)
            .ofMaxSize(40))
        .as((start, steps) -> new Scenario(ls, start, steps)));
  }

  /** Start times: the epoch, anywhere below 2^40 µs, or around today. */
  static Arbitrary<Long> starts() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(0L)),
        Tuple.of(2, Arbitraries.longs().between(0, 1L << 40)),
        Tuple.of(4, Arbitraries.longs().between(1_600_000_000_000_000L, 1_800_000_000_000_000L)));
  }

  /**
   * The time scales of some limits: the first one's emission interval and period, the longest
   * time to refill them all, and the largest capacity.
   */
  record Pace(long interval, long period, long refillAll, long capacity) {

    static Pace of(List<Limit> limits) {
      Limit first = limits.get(0);
      long refillAll = 0;
      long capacity = 0;
      for (Limit l : limits) {
        refillAll = Math.max(refillAll,
            MulDiv.floor(l.periodMicros(), l.capacity(), l.count()) + l.periodMicros());
        capacity = Math.max(capacity, l.capacity());
      }
      return new Pace(Math.max(1, first.periodMicros() / first.count()), first.periodMicros(),
          refillAll, capacity);
    }

    /** How far a step moves the clock forward: not at all, a little, about an interval, about a
     * period, or enough to refill everything. */
    Arbitrary<Long> forward() {
      return Arbitraries.frequencyOf(
          Tuple.of(30, Arbitraries.just(0L)),
          Tuple.of(10, Arbitraries.longs().between(1, 2)),
          Tuple.of(25, Arbitraries.longs().between(0, 2 * interval)),
          Tuple.of(20, Arbitraries.longs().between(0, period)),
          Tuple.of(5, Arbitraries.longs().between(0, 3 * refillAll)));
    }
  }

  private static Arbitrary<Step> steps(List<Limit> limits, int keys, boolean skewed) {
    Pace pace = Pace.of(limits);
    long capacity = pace.capacity();
    Arbitrary<Long> by = pace.forward();
    Arbitrary<Long> permits = Arbitraries.frequencyOf(
        Tuple.of(45, Arbitraries.just(1L)),
        Tuple.of(10, Arbitraries.just(0L)),
        Tuple.of(25, Arbitraries.longs().between(1, capacity)),
        Tuple.of(10, Arbitraries.just(capacity)),
        Tuple.of(5, Arbitraries.just(capacity + 1)));
    Arbitrary<Move> moves = Arbitraries.frequency(
        Tuple.of(70, Move.BY),
        Tuple.of(15, Move.TO_WINDOW_EDGE),
        Tuple.of(15, Move.TO_RETRY_AFTER),
        Tuple.of(skewed ? 15 : 0, Move.BACK));
    return Combinators.combine(moves, by, Arbitraries.longs().between(-1, 1),
            Arbitraries.integers().between(0, limits.size() - 1), permits,
            Arbitraries.integers().between(0, keys - 1),
            Arbitraries.integers().between(0, 99).map(i -> i < 15))
        .as((move, amount, offset, which, k, key, cleanUp) ->
            new Step(move, move == Move.BY || move == Move.BACK ? amount : offset, which, k, key,
                cleanUp));
  }
}
