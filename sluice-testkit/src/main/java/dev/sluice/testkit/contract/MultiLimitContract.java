package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several limits on one key are all-or-nothing: a request is admitted only if every limit has
 * room, and then takes from all; if any denies, none is consumed. An admission reports the limit
 * with the fewest permits left (ties: the one that resets later); a denial reports the denying
 * limit with the longest retryAfter, never one that had room.
 *
 * <p>The two central tests run for every pair of algorithms, so that a backend evaluating mixed
 * algorithms in one step (one Redis script) is covered.
 */
public abstract class MultiLimitContract extends AbstractContract {

  static Stream<Arguments> algorithmPairs() {
    return Stream.of(Algorithm.values())
        .flatMap(a -> Stream.of(Algorithm.values()).map(b -> Arguments.of(a, b)));
  }

  private static Limit perSecond(Algorithm a) {
    return Limit.builder("2/second").algorithm(a).name("per-second").build();
  }

  private static Limit perMinute(Algorithm a) {
    return Limit.builder("5/minute").algorithm(a).name("per-minute").build();
  }

  @ParameterizedTest(name = "per-second {0}, per-minute {1}")
  @MethodSource("algorithmPairs")
  void aDenialByThePerSecondLimitConsumesNothingFromThePerMinuteLimit(Algorithm a, Algorithm b) {
    Limit perSecond = perSecond(a);
    Limit perMinute = perMinute(b);
    Key key = key(perSecond, perMinute);
    at(0);
    assertAdmitted(key.acquire(), perSecond, 1); // per-minute has 4
    assertAdmitted(key.acquire(), perSecond, 0); // per-minute has 3
    for (int i = 0; i < 3; i++) {
      assertRefused(key.acquire(), perSecond, 0); // per-minute had room: it keeps its 3
    }
    at(2 * SECOND);
    assertAdmitted(key.acquire(), perSecond, 1); // per-minute has 2
    assertAdmitted(key.acquire(), perSecond, 0); // per-minute has 1
    at(4 * SECOND);
    assertAdmitted(key.acquire(), perMinute, 0); // all 5 per-minute permits went to admissions
    assertRefused(key.acquire(), perMinute, 0);
  }

  @ParameterizedTest(name = "per-second {0}, per-minute {1}")
  @MethodSource("algorithmPairs")
  void aDenialByThePerMinuteLimitConsumesNothingFromThePerSecondLimit(Algorithm a, Algorithm b) {
    Limit perSecond = perSecond(a);
    Limit perMinute = perMinute(b);
    Key key = key(perSecond, perMinute);
    at(0);
    assertAdmitted(key.acquire(2), perSecond, 0);
    at(2 * SECOND);
    assertAdmitted(key.acquire(2), perSecond, 0); // per-minute has 1
    at(4 * SECOND);
    assertRefused(key.acquire(2), perMinute, 1); // per-second had room for 2: it keeps them
    // Had the denial taken 2 per-second permits, this would be denied by per-second.
    assertAdmitted(key.acquire(1), perMinute, 0); // per-second has 1
    assertRefused(key.acquire(1), perMinute, 0);
  }

  @Test
  void aDenialReportsTheDenyingLimitThatWaitsLongest() {
    Limit perSecond = perSecond(Algorithm.TOKEN_BUCKET); // a token every 0.5 s
    Limit perMinute = perMinute(Algorithm.TOKEN_BUCKET); // a token every 12 s
    Key key = key(perSecond, perMinute);
    at(0);
    assertAllowed(key.acquire(2), 0, 1_000_000);
    at(SECOND);
    assertAllowed(key.acquire(2), 0, 1_000_000);
    at(2 * SECOND);
    Decision d = key.acquire();
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 0, 58 * SECOND); // the per-minute bucket is full again at 60 s

    // Both deny: per-second would pass at 2.5 s, per-minute (2 tokens) only at 24 s.
    d = key.acquire(2);
    assertDecidedBy(d, perMinute);
    assertDenied(d, 0, 58 * SECOND, 22 * SECOND);
    // Only per-minute denies: its next token comes at 12 s.
    d = key.acquire(1);
    assertDecidedBy(d, perMinute);
    assertDenied(d, 0, 58 * SECOND, 10 * SECOND);

    at(12 * SECOND - 1);
    assertThat(key.acquire().allowed()).isFalse();
    at(12 * SECOND);
    d = key.acquire();
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 0, 60 * SECOND);
  }

  @Test
  void anAdmissionReportsTheLimitWithFewestPermitsLeftAndOnATieTheOneThatResetsLater() {
    Limit perSecond = Limit.parse("2/second").named("per-second");
    Limit perMinute = Limit.parse("2/minute").named("per-minute");
    Key key = key(perSecond, perMinute);
    at(0);
    Decision d = key.acquire(); // both have 1 left; per-minute is full again later
    assertDecidedBy(d, perMinute);
    assertAllowed(d, 1, 30 * SECOND);

    Limit big = Limit.parse("10/second").named("big");
    Limit small = Limit.parse("3/hour").named("small");
    Key other = key(big, small);
    d = other.acquire();
    assertDecidedBy(d, small);
    assertAllowed(d, 2, 20 * MINUTE);
  }

  @Test
  void aRequestLargerThanOneLimitCanHoldIsNeverAdmittedAndConsumesNothing() {
    Limit perSecond = perSecond(Algorithm.TOKEN_BUCKET);
    Limit perMinute = perMinute(Algorithm.TOKEN_BUCKET);
    Key key = key(perSecond, perMinute);
    at(0);
    Decision d = key.acquire(3); // per-minute alone would admit 3
    assertDecidedBy(d, perSecond);
    assertNeverFits(d, 2, 0);
    assertAllowed(key.acquire(2), 0, 1_000_000);
    // Per-second is now empty too, but its answer stays "never", not "wait".
    d = key.acquire(3);
    assertDecidedBy(d, perSecond);
    assertNeverFits(d, 0, 1_000_000);
    d = key.acquire(6); // too big for both
    assertThat(d.reason()).isEqualTo(Decision.Reason.PERMITS_EXCEED_CAPACITY);
    assertThat(d.retryAfterMicros()).isEqualTo(NEVER);
    at(SECOND);
    assertAllowed(key.acquire(2), 0, 1_000_000); // per-minute: 3 - 2 = 1 left
    d = key.acquire(2);
    assertDecidedBy(d, perMinute);
    assertThat(d.remaining()).isEqualTo(1);
  }

  @Test
  void aPureCheckPassesAndConsumesNothingFromAnyLimit() {
    Limit perSecond = perSecond(Algorithm.TOKEN_BUCKET);
    Limit perMinute = perMinute(Algorithm.TOKEN_BUCKET);
    Key key = key(perSecond, perMinute);
    at(0);
    assertAdmitted(key.check(), perSecond, 2);
    assertAdmitted(key.acquire(), perSecond, 1);
    for (int i = 0; i < 3; i++) {
      assertAdmitted(key.check(), perSecond, 1);
    }
    assertAdmitted(key.acquire(), perSecond, 0);
    assertAdmitted(key.check(), perSecond, 0);
    at(SECOND);
    assertAdmitted(key.acquire(2), perSecond, 0); // per-minute has 1
    at(2 * SECOND);
    assertAdmitted(key.check(), perMinute, 1); // per-second has 2 again
    assertAdmitted(key.acquire(), perMinute, 0);
  }

  private static void assertAdmitted(Decision d, Limit by, long remaining) {
    assertThat(d.allowed()).as("allowed in %s", d).isTrue();
    assertDecidedBy(d, by);
    assertThat(d.remaining()).as("remaining in %s", d).isEqualTo(remaining);
  }

  private static void assertRefused(Decision d, Limit by, long remaining) {
    assertThat(d.allowed()).as("allowed in %s", d).isFalse();
    assertThat(d.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
    assertDecidedBy(d, by);
    assertThat(d.remaining()).as("remaining in %s", d).isEqualTo(remaining);
  }
}
