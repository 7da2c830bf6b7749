package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A limit packed into one word ({@link Packed}) answers exactly as its transition: every number of
 * every decision, for acquire and take-up-to, with clocks moving forward and back, and at the
 * edges of what a limit accepts.
 */
class PackedPropertiesTest {

  private static final Algorithm[] PACKABLE = {Algorithm.TOKEN_BUCKET, Algorithm.GCRA,
      Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_COUNTER};

  @Provide
  Arbitrary<Scenario> oneLimit() {
    return Scenario.of(Scenario.limits(PACKABLE).filter(l -> Packed.of(l) != null)
        .map(List::of), 1, false);
  }

  @Provide
  Arbitrary<Scenario> oneLimitSkewed() {
    return Scenario.of(Scenario.limits(PACKABLE).filter(l -> Packed.of(l) != null)
        .map(List::of), 1, true);
  }

  @Provide
  Arbitrary<Scenario> oneExtremeLimit() {
    return Scenario.of(Scenario.extremeLimits().filter(l -> Packed.of(l) != null)
        .map(List::of), 1, true);
  }

  @Property(tries = 1500)
  void acquireAnswersAsTheTransition(@ForAll("oneLimit") Scenario s) {
    assertSameAnswers(s, false);
  }

  @Property(tries = 1500)
  void acquireAnswersAsTheTransitionWhenTheClockMovesBack(@ForAll("oneLimitSkewed") Scenario s) {
    assertSameAnswers(s, false);
  }

  @Property(tries = 800)
  void acquireAnswersAsTheTransitionAtTheEdges(@ForAll("oneExtremeLimit") Scenario s) {
    assertSameAnswers(s, false);
  }

  @Property(tries = 1000)
  void takeUpToAnswersAsTheTransitions(@ForAll("oneLimitSkewed") Scenario s) {
    assertSameAnswers(s, true);
  }

  /** The word is EMPTY exactly when, and expired no earlier than, the transition's state says. */
  @Property(tries = 1000)
  void expiresWhenTheStateNoLongerMatters(@ForAll("oneLimit") Scenario s) {
    Limit limit = s.limits().get(0);
    Packed packed = Packed.of(limit);
    Harness h = new Harness(s.limits());
    long[] word = {Packed.EMPTY};
    s.run((now, k, key, cleanUp) -> {
      long next = packed.take(word[0], now, k, 0);
      Decision d = h.acquire(now, k);
      if (next != Packed.REFUSED) {
        word[0] = next;
      }
      if (packed.expired(word[0], now)) {
        Outcome o = h.evaluate(now, 0)[0];
        assertThat(o.resetAfter).as("expired at %d µs but the state still matters", now)
            .isZero();
      }
      return d.retryAfterMicros();
    });
  }

  private static void assertSameAnswers(Scenario s, boolean upTo) {
    Limit limit = s.limits().get(0);
    Packed packed = Packed.of(limit);
    assertThat(packed).isNotNull();
    Harness h = new Harness(s.limits());
    long[] word = {Packed.EMPTY};
    s.run((now, k, key, cleanUp) -> {
      long permits = k;
      Decision expected;
      if (upTo) {
        Outcome[] checks = h.evaluate(now, 0);
        permits = UpTo.permits(k, checks);
        expected = h.acquire(now, permits);
        long available = packed.available(word[0], now);
        assertThat(available).as("available at %d µs", now).isEqualTo(checks[0].remaining);
      } else {
        expected = h.acquire(now, permits);
      }
      long next = packed.take(word[0], now, permits, 0);
      Decision actual;
      if (next == Packed.REFUSED) {
        actual = packed.refused(word[0], now, permits);
      } else {
        actual = packed.admitted(next, now);
        word[0] = next;
      }
      assertThat(Result.of(actual)).as("%s, %d permits at %d µs", limit, permits, now)
          .isEqualTo(Result.of(expected));
      return expected.retryAfterMicros();
    });
  }
}
