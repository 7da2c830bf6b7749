package dev.sluice.internal;

import dev.sluice.Limit;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * A generated life of one or more keys mixing every operation: acquire, reserve (with waits from
 * none to unbounded), refund (from nothing to far more than any limit holds) and reset, while the
 * clock moves forward, onto window edges, onto the moment the last denial or reservation named
 * (give or take a microsecond), and, when {@code skewed}, back.
 */
record OpScenario(List<Limit> limits, long start, List<OpScenario.Step> steps) {

  enum Op { ACQUIRE, RESERVE, REFUND, RESET }

  enum Move { BY, TO_WINDOW_EDGE, TO_DUE, BACK }

  /**
   * How to move the clock ({@code amount}: µs for BY and BACK, an offset of -1..1 otherwise;
   * {@code which} limit's windows for TO_WINDOW_EDGE), then {@code op} for key number {@code key}
   * with {@code permits} and {@code maxWait} (RESERVE), after a {@code cleanUp} of expired state
   * where the driver has one.
   */
  record Step(Move move, long amount, int which, Op op, long permits, long maxWait, int key,
      boolean cleanUp) {}

  /** One operation; returns when it is next worth looking: a denial's retryAfter or a wait. */
  interface Request {
    long at(long now, Step step);
  }

  /** Replays the steps in order. */
  void run(Request request) {
    long now = start;
    long due = 0;
    for (Step s : steps) {
      now += switch (s.move()) {
        case BY -> s.amount();
        case TO_WINDOW_EDGE -> {
          long p = limits.get(s.which() % limits.size()).periodMicros();
          long next = Math.floorDiv(now, p) * p + p;
          yield Math.max(0, next + s.amount() - now);
        }
        case TO_DUE -> due == Long.MAX_VALUE ? 0 : Math.max(0, due + s.amount());
        case BACK -> -s.amount();
      };
      due = request.at(now, s);
    }
  }

  static Arbitrary<OpScenario> of(Arbitrary<List<Limit>> limits, int keys, boolean skewed) {
    return limits.flatMap(ls -> Combinators.combine(Scenario.starts(), steps(ls, keys, skewed).list()
            .ofMinSize(1)
            .ofMaxSize(50))
        .as((start, steps) -> new OpScenario(ls, start, steps)));
  }

  private static Arbitrary<Step> steps(List<Limit> limits, int keys, boolean skewed) {
    Scenario.Pace pace = Scenario.Pace.of(limits);
    long interval = pace.interval();
    long p = pace.period();
    long refillAll = pace.refillAll();
    long capacity = pace.capacity();
    Arbitrary<Long> by = pace.forward();
    Arbitrary<Long> permits = Arbitraries.frequencyOf(
        Tuple.of(40, Arbitraries.just(1L)),
        Tuple.of(10, Arbitraries.just(0L)),
        Tuple.of(25, Arbitraries.longs().between(1, capacity)),
        Tuple.of(10, Arbitraries.just(capacity)),
        Tuple.of(5, Arbitraries.just(capacity + 1)),
        Tuple.of(3, Arbitraries.just(Long.MAX_VALUE))); // refunds only (see below)
    Arbitrary<Long> waits = Arbitraries.frequencyOf(
        Tuple.of(20, Arbitraries.just(0L)),
        Tuple.of(15, Arbitraries.longs().between(1, 2 * interval)),
        Tuple.of(15, Arbitraries.longs().between(0, 2 * p)),
        Tuple.of(10, Arbitraries.longs().between(0, 3 * refillAll)),
        Tuple.of(10, Arbitraries.longs().between(0, 5).map(n -> n * interval)),
        Tuple.of(20, Arbitraries.just(Long.MAX_VALUE)));
    Arbitrary<Op> ops = Arbitraries.frequency(
        Tuple.of(30, Op.ACQUIRE),
        Tuple.of(40, Op.RESERVE),
        Tuple.of(22, Op.REFUND),
        Tuple.of(5, Op.RESET));
    Arbitrary<Move> moves = Arbitraries.frequency(
        Tuple.of(65, Move.BY),
        Tuple.of(10, Move.TO_WINDOW_EDGE),
        Tuple.of(25, Move.TO_DUE),
        Tuple.of(skewed ? 15 : 0, Move.BACK));
    Arbitrary<Long> offsets = Arbitraries.longs().between(-1, 1);
    Arbitrary<Integer> whichLimit = Arbitraries.integers().between(0, limits.size() - 1);
    Arbitrary<Integer> whichKey = Arbitraries.integers().between(0, keys - 1);
    long most = capacity;
    Arbitrary<Boolean> cleanUps = Arbitraries.integers().between(0, 99).map(i -> i < 15);
    return Combinators.combine(moves, by, offsets, whichLimit, ops, permits, waits, whichKey)
        .flatAs((move, amount, offset, which, op, k, wait, key) -> cleanUps.map(cleanUp ->
            new Step(move, move == Move.BY || move == Move.BACK ? amount : offset, which, op,
                op != Op.REFUND && k == Long.MAX_VALUE ? most : k, wait, key, cleanUp)));
  }
}
