package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.CalendarPeriod;
import dev.sluice.CalendarReference;
import dev.sluice.Decision;
import dev.sluice.Limit;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.Month;
import java.time.MonthDay;
import java.time.ZoneId;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * A fixed window with a calendar period answers as a plain model of its definition (count per
 * window, the window computed from java.time alone), both as a transition (rows) and packed in
 * one word: every number of every decision, through acquires and refunds, with the clock moving
 * by microseconds, hours, days and months, onto window edges, and back.
 */
class CalendarWindowPropertiesTest {

  private static final long HOUR = 3_600_000_000L;
  private static final long DAY = 24 * HOUR;
  private static final List<String> ZONES = List.of("UTC", "Europe/Paris", "America/New_York",
      "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham",
      "Pacific/Apia", "Asia/Tokyo", "America/St_Johns", "Africa/Casablanca", "-03:30");

  enum Kind { ACQUIRE, REFUND }

  enum Move { BY, TO_END, BACK }

  record Step(Move move, long amount, Kind kind, long permits) {}

  record Case(CalendarPeriod period, CalendarReference reference, long count, long start,
      List<Step> steps) {}

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<CalendarPeriod.Unit> units = Arbitraries.of(CalendarPeriod.Unit.class);
    Arbitrary<ZoneId> zones = Arbitraries.of(ZONES).map(ZoneId::of);
    Arbitrary<Integer> days = Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.integers().between(1, 31)),
        Tuple.of(1, Arbitraries.of(29, 30, 31)));
    Arbitrary<DayOfWeek> weekdays = Arbitraries.of(DayOfWeek.class);
    Arbitrary<Long> counts = Arbitraries.longs().between(1, 5);
    Arbitrary<Long> starts = Arbitraries.longs().between(
        Instant.parse("1950-01-01T00:00:00Z").getEpochSecond() * 1_000_000L,
        Instant.parse("2150-01-01T00:00:00Z").getEpochSecond() * 1_000_000L);
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(Move.BY)),
            Tuple.of(3, Arbitraries.just(Move.TO_END)), Tuple.of(1, Arbitraries.just(Move.BACK))),
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(0L)),
            Tuple.of(2, Arbitraries.longs().between(-1, 1)),
            Tuple.of(2, Arbitraries.longs().between(1, 2 * HOUR)),
            Tuple.of(3, Arbitraries.longs().between(1, 3 * DAY)),
            Tuple.of(1, Arbitraries.longs().between(1, 400 * DAY))),
        Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just(Kind.ACQUIRE)),
            Tuple.of(1, Arbitraries.just(Kind.REFUND))),
        Arbitraries.longs().between(0, 6))
        .as(Step::new);
    return Combinators.combine(units, zones, days, weekdays, counts, starts,
            step.list().ofMinSize(1).ofMaxSize(40))
        .as((unit, zone, day, weekday, count, start, steps) -> {
          CalendarPeriod p = CalendarPeriod.of(unit).zone(zone);
          CalendarReference ref = new CalendarReference(unit, zone, DayOfWeek.MONDAY,
              Month.JANUARY, 1);
          switch (unit) {
            case DAY -> { }
            case WEEK -> {
              p = p.anchor(weekday);
              ref = new CalendarReference(unit, zone, weekday, Month.JANUARY, 1);
            }
            case MONTH -> {
              p = p.anchorDay(day);
              ref = new CalendarReference(unit, zone, weekday, Month.JANUARY, day);
            }
            case YEAR -> {
              MonthDay md = day == 31 ? MonthDay.of(2, 29) : MonthDay.of(1 + day % 12,
                  Math.min(day, 28));
              p = p.anchor(md);
              ref = new CalendarReference(unit, zone, weekday, md.getMonth(),
                  md.getDayOfMonth());
            }
          }
          return new Case(p, ref, count, start, steps);
        });
  }

  /** The definition: permits counted per window; a later stored window (clock back) is kept. */
  static final class Model {
    final CalendarReference ref;
    final long c;
    boolean has;
    long start;
    long end;
    long used;

    Model(CalendarReference ref, long c) {
      this.ref = ref;
      this.c = c;
    }

    long[] acquire(long now, long k) {
      CalendarReference.Bounds w = ref.windowAt(now);
      long s = w.start();
      long e = w.end();
      long u = 0;
      if (has && start >= s) {
        s = start;
        e = end;
        u = used;
      }
      long reset = e - now;
      if (k > c) {
        return new long[] {0, c - u, u > 0 ? reset : 0, Long.MAX_VALUE};
      }
      if (u + k <= c || k == 0) {
        if (k > 0) {
          has = true;
          start = s;
          end = e;
          used = u + k;
        }
        return new long[] {1, c - u - k, u + k > 0 ? reset : 0, 0};
      }
      return new long[] {0, c - u, reset, reset};
    }

    /** Gives back to the window holding now (or a later one); forgets a key left empty. */
    long[] refund(long now, long k) {
      if (has && start >= ref.windowAt(now).start()) {
        used = Math.max(0, used - k);
      }
      long[] check = acquire(now, 0);
      if (k > 0 && check[2] == 0) {
        has = false; // nothing left to remember: the backends forget the key
      }
      return check;
    }
  }

  private static long[] numbers(Decision d) {
    return new long[] {d.allowed() ? 1 : 0, d.remaining(), d.resetAfterMicros(),
        d.retryAfterMicros()};
  }

  @Property(tries = 1500)
  void transitionAndPackedWordAnswerAsTheDefinition(@ForAll("cases") Case c) {
    Limit limit = Limit.builder(c.count(), c.period()).build();
    Transition t = Transition.of(limit);
    Transition[] ts = {t};
    Packed packed = Packed.of(limit);
    assertThat(packed).as("a calendar window packs").isNotNull();
    Model model = new Model(c.reference(), c.count());
    long[] state = null;
    long word = Packed.EMPTY;
    long now = c.start();
    for (Step s : c.steps()) {
      now += switch (s.move()) {
        case BY -> Math.max(0, s.amount());
        case TO_END -> c.reference().windowAt(now).end() - now + s.amount() % 2;
        case BACK -> -Math.abs(s.amount()) % (2 * DAY);
      };
      long k = s.permits();
      String at = s + " at " + Instant.ofEpochSecond(Math.floorDiv(now, 1_000_000L));
      Outcome out = new Outcome();
      Decision byTransition;
      Decision byWord;
      long[] expected;
      if (s.kind() == Kind.ACQUIRE) {
        expected = model.acquire(now, k);
        t.evaluate(state, now, k, out);
        if (k > 0 && out.allowed) {
          state = t.commit(state, now, k, out);
        }
        byTransition = Decisions.combine(ts, new Outcome[] {out});
        long next = packed.take(word, now, k, 0);
        if (next == Packed.REFUSED) {
          byWord = packed.refused(word, now, k);
        } else {
          word = next;
          byWord = packed.admitted(word, now);
        }
      } else {
        // as the memory backend: refund, then forget a key whose check resets at once
        expected = model.refund(now, k);
        t.refund(state, 0, now, k);
        t.evaluate(state, now, 0, out);
        if (k > 0 && out.resetAfter == 0) {
          state = null;
        }
        byTransition = Decisions.combine(ts, new Outcome[] {out});
        word = packed.refund(word, now, k);
        if (k > 0 && packed.expired(word, now)) {
          word = Packed.EMPTY;
        }
        byWord = packed.admitted(word, now);
      }
      assertThat(numbers(byTransition)).as("transition, %s", at).containsExactly(expected);
      assertThat(numbers(byWord)).as("packed, %s", at).containsExactly(expected);
    }
  }
}
