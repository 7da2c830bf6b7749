package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.spi.Reservation;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of reserve, refund and reset over the pure transitions, on random limits and random
 * sequences mixing them with acquire, driven through {@link Harness} as a backend drives them.
 */
class ReservationPropertiesTest {

  @Provide
  Arbitrary<OpScenario> oneLimit() {
    return OpScenario.of(Scenario.limits(Algorithm.values()).list().ofSize(1), 1, false);
  }

  @Provide
  Arbitrary<OpScenario> oneLimitSkewedClock() {
    return OpScenario.of(Scenario.limits(Algorithm.values()).list().ofSize(1), 1, true);
  }

  @Provide
  Arbitrary<OpScenario> severalLimits() {
    return OpScenario.of(Scenario.limits(Algorithm.values()).list().ofMinSize(1).ofMaxSize(3), 1,
        false);
  }

  @Provide
  Arbitrary<OpScenario> severalLimitsSkewedClock() {
    return OpScenario.of(Scenario.limits(Algorithm.values()).list().ofMinSize(1).ofMaxSize(3), 1,
        true);
  }

  @Provide
  Arbitrary<OpScenario> oneBucketSkewedClock() {
    return OpScenario.of(Scenario.limits(Algorithm.TOKEN_BUCKET).list().ofSize(1), 1, true);
  }

  @Provide
  Arbitrary<OpScenario> oneExtremeBucketSkewedClock() {
    return OpScenario.of(Scenario.extremeLimits()
        .filter(l -> l.algorithm() == Algorithm.TOKEN_BUCKET).list().ofSize(1), 1, true);
  }

  @Provide
  Arbitrary<OpScenario> severalExtremeLimits() {
    return OpScenario.of(Scenario.extremeLimits().list().ofMinSize(1).ofMaxSize(3), 1, true);
  }

  /** Applies one step to the harness; returns the next due time (retryAfter or wait). */
  private static long apply(Harness h, long now, OpScenario.Step s) {
    return switch (s.op()) {
      case ACQUIRE -> h.acquire(now, s.permits()).retryAfterMicros();
      case RESERVE -> {
        Reservation r = h.reserve(now, s.permits(), s.maxWait());
        yield r.decision().allowed() ? r.waitMicros() : r.decision().retryAfterMicros();
      }
      case REFUND -> h.refund(now, s.permits()).retryAfterMicros();
      case RESET -> {
        h.reset();
        yield 0;
      }
    };
  }

  /**
   * The strongest check: every number of every answer (decision and wait) equals the naive
   * definition's, for acquire, reserve, refund and reset in any order, also when the clock moves
   * back.
   */
  @Property(tries = 1000)
  void everyAnswerEqualsTheReferenceModel(@ForAll("oneLimitSkewedClock") OpScenario s) {
    checkReference(s);
  }

  @Property(tries = 500)
  void everyAnswerEqualsTheReferenceModelOnAForwardClock(@ForAll("oneLimit") OpScenario s) {
    checkReference(s);
  }

  private static void checkReference(OpScenario s) {
    Limit limit = s.limits().get(0);
    Harness h = new Harness(s.limits());
    ReferenceModel model = ReferenceModel.of(limit);
    s.run((now, step) -> {
      String as = String.format("%s at %d µs: %s", limit, now, step);
      switch (step.op()) {
        case ACQUIRE -> {
          Decision d = h.acquire(now, step.permits());
          assertThat(Result.of(d)).as(as).isEqualTo(model.acquire(now, step.permits()));
          return d.retryAfterMicros();
        }
        case RESERVE -> {
          Reservation r = h.reserve(now, step.permits(), step.maxWait());
          assertThat(Reserved.of(r)).as(as)
              .isEqualTo(model.reserve(now, step.permits(), step.maxWait()));
          return r.decision().allowed() ? r.waitMicros() : r.decision().retryAfterMicros();
        }
        case REFUND -> {
          Decision d = h.refund(now, step.permits());
          assertThat(Result.of(d)).as(as).isEqualTo(model.refund(now, step.permits()));
          return d.retryAfterMicros();
        }
        default -> {
          h.reset();
          model.reset();
          return 0;
        }
      }
    });
  }

  /** GCRA is the token bucket from one timestamp, with debt and refunds too. */
  @Property(tries = 1000)
  void tokenBucketAndGcraGiveIdenticalAnswers(@ForAll("oneBucketSkewedClock") OpScenario s) {
    checkBucketEqualsGcra(s);
  }

  @Property(tries = 300)
  void tokenBucketAndGcraGiveIdenticalAnswersAtTheExtremes(
      @ForAll("oneExtremeBucketSkewedClock") OpScenario s) {
    checkBucketEqualsGcra(s);
  }

  private static void checkBucketEqualsGcra(OpScenario s) {
    Limit bucket = s.limits().get(0);
    Harness tb = Harness.of(bucket);
    Harness gcra = Harness.of(bucket.toBuilder().algorithm(Algorithm.GCRA).build());
    s.run((now, step) -> {
      String as = String.format("%s at %d µs: %s", bucket, now, step);
      switch (step.op()) {
        case ACQUIRE -> {
          Decision expected = tb.acquire(now, step.permits());
          Decision actual = gcra.acquire(now, step.permits());
          assertThat(Result.of(actual)).as(as).isEqualTo(Result.of(expected));
          assertThat(actual.reason()).isEqualTo(expected.reason());
          return expected.retryAfterMicros();
        }
        case RESERVE -> {
          Reservation expected = tb.reserve(now, step.permits(), step.maxWait());
          Reservation actual = gcra.reserve(now, step.permits(), step.maxWait());
          assertThat(Reserved.of(actual)).as(as).isEqualTo(Reserved.of(expected));
          assertThat(actual.decision().reason()).isEqualTo(expected.decision().reason());
          return expected.waitMicros();
        }
        case REFUND -> {
          Decision expected = tb.refund(now, step.permits());
          Decision actual = gcra.refund(now, step.permits());
          assertThat(Result.of(actual)).as(as).isEqualTo(Result.of(expected));
          return expected.retryAfterMicros();
        }
        default -> {
          tb.reset();
          gcra.reset();
          return 0;
        }
      }
    });
  }

  /** Giving back never leaves a limit with more than it holds when full, whatever is refunded. */
  @Property(tries = 500)
  void aRefundNeverMakesRemainingExceedTheCapacity(
      @ForAll("severalLimitsSkewedClock") OpScenario s) {
    Harness h = new Harness(s.limits());
    s.run((now, step) -> {
      long due = apply(h, now, step);
      for (long q : new long[] {1, step.permits(), Long.MAX_VALUE}) {
        h.refund(now, q);
        Outcome[] checks = h.evaluate(now, 0);
        for (int i = 0; i < checks.length; i++) {
          assertThat(checks[i].remaining).as("limit %s after refunding %d at %d µs",
              s.limits().get(i), q, now).isBetween(0L, s.limits().get(i).capacity());
          assertThat(checks[i].resetAfter).isNotNegative();
        }
      }
      return due;
    });
  }

  /**
   * Denials (of acquire and reserve), zero-permit operations (acquire, reserve, refund) and
   * refunds of a key without state write nothing: the state is the same array, element for
   * element, and a key without state stays without.
   */
  @Property(tries = 500)
  void deniedAndZeroPermitOperationsWriteNothing(
      @ForAll("severalLimitsSkewedClock") OpScenario s) {
    Harness h = new Harness(s.limits());
    s.run((now, step) -> {
      long[][] before = h.snapshot();
      h.acquire(now, 0);
      h.reserve(now, 0, step.maxWait());
      h.refund(now, 0);
      assertThat(h.sameStateAs(before)).as("zero permits at %d µs", now).isTrue();
      Harness empty = new Harness(s.limits());
      empty.refund(now, step.permits());
      assertThat(Arrays.asList(empty.states)).as("a refund of a key without state")
          .containsOnlyNulls();
      Harness probe = h.copy();
      Reservation r = probe.reserve(now, step.permits(), step.maxWait());
      if (!r.decision().allowed()) {
        assertThat(probe.sameStateAs(before)).as("denied reservation %s", r).isTrue();
        assertThat(r.waitMicros()).isZero();
      }
      probe = h.copy();
      if (!probe.acquire(now, step.permits()).allowed()) {
        assertThat(probe.sameStateAs(before)).as("denied acquire").isTrue();
      }
      return apply(h, now, step);
    });
  }

  /** A reservation that may not wait is exactly an acquire, answers and state alike. */
  @Property(tries = 500)
  void aReservationWithoutWaitIsAnAcquire(@ForAll("severalLimitsSkewedClock") OpScenario s) {
    Harness reserving = new Harness(s.limits());
    Harness acquiring = new Harness(s.limits());
    s.run((now, step) -> {
      if (step.op() == OpScenario.Op.RESERVE || step.op() == OpScenario.Op.ACQUIRE) {
        Reservation r = reserving.reserve(now, step.permits(), 0);
        Decision d = acquiring.acquire(now, step.permits());
        assertThat(r.decision()).as("at %d µs: %s", now, step).isEqualTo(d);
        assertThat(r.waitMicros()).isZero();
        assertThat(reserving.snapshot()).isDeepEqualTo(acquiring.snapshot());
        return d.retryAfterMicros();
      }
      apply(acquiring, now, step);
      return apply(reserving, now, step);
    });
  }

  /**
   * A reservation waits exactly as long as an acquire at that moment would have been told to
   * retry after (the longest retry among the limits), and successive reservations at one instant
   * wait no less than their predecessors: waiters are served in the order they reserve. A
   * reservation is admitted into debt only when that wait is within what the caller accepts and
   * every limit that cannot wait (the windows) admits now.
   */
  @Property(tries = 1000)
  void aReservationWaitsExactlyTheRetryAfterOfAnAcquire(
      @ForAll("severalLimitsSkewedClock") OpScenario s) {
    Harness h = new Harness(s.limits());
    long[] last = {Long.MIN_VALUE, 0}; // time and wait of the last admitted reservation
    s.run((now, step) -> {
      if (step.op() != OpScenario.Op.RESERVE) {
        last[0] = Long.MIN_VALUE;
        return apply(h, now, step);
      }
      long k = step.permits();
      Decision acquire = h.peek(now, k);
      Outcome[] outs = h.evaluate(now, k);
      Reservation r = h.reserve(now, k, step.maxWait());
      if (acquire.allowed() || k == 0) {
        assertThat(r.decision()).isEqualTo(acquire);
        assertThat(r.waitMicros()).isZero();
      } else if (r.decision().allowed()) {
        assertThat(r.waitMicros()).as("wait of %s after %s", r, acquire)
            .isEqualTo(acquire.retryAfterMicros())
            .isLessThanOrEqualTo(step.maxWait());
        for (int i = 0; i < outs.length; i++) {
          assertThat(outs[i].allowed || h.transitions[i].maxWaitMicros() > 0)
              .as("limit %d admitted only if it can wait", i).isTrue();
        }
        if (last[0] == now) {
          assertThat(r.waitMicros()).as("waits in arrival order").isGreaterThanOrEqualTo(last[1]);
        }
        last[0] = now;
        last[1] = r.waitMicros();
      } else {
        assertThat(r.decision()).isEqualTo(acquire);
        long smallestMaxSafe = Long.MAX_VALUE;
        boolean windowDenies = false;
        for (int i = 0; i < outs.length; i++) {
          Transition t = h.transitions[i];
          if (t.maxWaitMicros() > 0 || t.limit().algorithm().hasBurst()) {
            smallestMaxSafe = Math.min(smallestMaxSafe, t.maxWaitMicros());
          } else if (!outs[i].allowed) {
            windowDenies = true;
          }
        }
        assertThat(windowDenies || acquire.reason() == Decision.Reason.PERMITS_EXCEED_CAPACITY
            || acquire.retryAfterMicros() > Math.min(step.maxWait(), smallestMaxSafe))
            .as("why %s was denied a wait of %d", acquire, step.maxWait()).isTrue();
      }
      return r.decision().allowed() ? r.waitMicros() : r.decision().retryAfterMicros();
    });
  }

  /**
   * A refund of what was just taken, at the same instant, undoes it: every later answer is the
   * one the key would have given without the admission.
   */
  @Property(tries = 500)
  void aRefundAtTheSameInstantUndoesTheAdmission(@ForAll("severalLimits") OpScenario s) {
    Harness h = new Harness(s.limits());
    s.run((now, step) -> {
      if (step.op() == OpScenario.Op.RESERVE || step.op() == OpScenario.Op.ACQUIRE) {
        Harness before = h.copy();
        Decision d = step.op() == OpScenario.Op.ACQUIRE ? h.acquire(now, step.permits())
            : h.reserve(now, step.permits(), step.maxWait()).decision();
        if (d.allowed() && step.permits() > 0) {
          Harness undone = h.copy();
          undone.refund(now, step.permits());
          long p = s.limits().get(0).periodMicros();
          for (long t : new long[] {now, now + 1, now + p / 2, now + p, now + 3 * p}) {
            for (long q : new long[] {0, 1, step.permits()}) {
              assertThat(Result.of(undone.peek(t, q)))
                  .as("%d permits at %d µs after taking and refunding %s", q, t, step)
                  .isEqualTo(Result.of(before.peek(t, q)));
            }
          }
        }
        return d.retryAfterMicros();
      }
      return apply(h, now, step);
    });
  }

  /** Reservations and refunds at the edges of what Limit accepts stay exact: numbers in range. */
  @Property(tries = 300)
  void answersAreWellFormedAtTheExtremes(@ForAll("severalExtremeLimits") OpScenario s) {
    Harness h = new Harness(s.limits());
    s.run((now, step) -> {
      long due = apply(h, now, step);
      Outcome[] checks = h.evaluate(now, 0);
      for (int i = 0; i < checks.length; i++) {
        assertThat(checks[i].allowed).isTrue();
        assertThat(checks[i].remaining).isBetween(0L, h.transitions[i].limit().capacity());
        assertThat(checks[i].resetAfter).isNotNegative();
      }
      assertThat(due).isNotNegative();
      return due;
    });
  }

  /** Each of the properties above drives every limit of a key; a reset forgets all of them. */
  @Property(tries = 200)
  void aResetForgetsEveryLimit(@ForAll("severalLimitsSkewedClock") OpScenario s) {
    Harness h = new Harness(s.limits());
    s.run((now, step) -> {
      long due = apply(h, now, step);
      Harness fresh = new Harness(s.limits());
      Harness reset = h.copy();
      reset.reset();
      for (long q : new long[] {0, 1, s.limits().stream().mapToLong(Limit::capacity).min()
          .orElseThrow()}) {
        assertThat(reset.peek(now, q)).isEqualTo(fresh.peek(now, q));
      }
      assertThat(Arrays.asList(reset.states)).containsOnlyNulls();
      return due;
    });
  }
}
