package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Decision.Reason;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.Sleeper;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * The base of every contract class: a fresh {@link BackendFixture} per test with its clock at
 * {@link #T0}, fresh keys, and assertions that compare every number of a {@link Decision}.
 *
 * <p>A backend runs the whole suite by extending {@link ContractSuite}, which nests every contract
 * class (TokenBucketContract, ...); a single contract class can also be extended on its own with a
 * one-line {@link #createFixture()}.
 */
public abstract class AbstractContract {

  /**
   * Where every test starts: 2023-11-15T00:00:00Z, in µs. A whole number of days since the epoch,
   * so windows of a second, a minute, an hour or a day all begin here (epoch alignment), and a
   * realistic magnitude for backends that compute in doubles.
   */
  public static final long T0 = 1_700_006_400_000_000L;

  protected static final long SECOND = 1_000_000L;
  protected static final long MINUTE = 60 * SECOND;
  protected static final long HOUR = 60 * MINUTE;
  protected static final long DAY = 24 * HOUR;
  /** {@link Decision#retryAfterMicros()} of a request that can never be admitted. */
  protected static final long NEVER = Long.MAX_VALUE;

  /** Distinguishes this JVM's keys from those of earlier runs against a persistent backend. */
  private static final String RUN =
      Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
  private static final AtomicLong KEYS = new AtomicLong();

  private BackendFixture fixture;
  private String test = "test";
  /** The clock of the backend under test; set to {@link #T0} before each test. */
  protected ManualClock clock;

  /**
   * The backend under test, fresh for each test (it may share a server with other tests: keys
   * never repeat). Closed after the test.
   */
  protected abstract BackendFixture createFixture() throws Exception;

  @BeforeEach
  protected final void openFixture(TestInfo info) throws Exception {
    test = info.getTestMethod().map(m -> m.getName()).orElse("test");
    fixture = createFixture();
    clock = fixture.clock();
    clock.setMicros(T0);
  }

  @AfterEach
  protected final void closeFixture() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** A limiter for {@code limits} on the backend under test. */
  protected final RateLimiter limiter(Limit... limits) {
    return fixture.limiter(List.of(limits));
  }

  /** A limiter for {@code limits} on the backend under test, waiting through {@code sleeper}. */
  protected final RateLimiter limiter(Sleeper sleeper, Limit... limits) {
    return fixture.limiter(List.of(limits), sleeper);
  }

  /** The backend under test itself (its {@code acquireAllAsync}, for instance). */
  protected final Backend backend() {
    return fixture.backend();
  }

  /** The backend's own evaluator for {@code limits}: the SPI, without argument checks. */
  protected final KeyedLimits keyedLimits(Limit... limits) {
    return fixture.keyedLimits(List.of(limits));
  }

  /** A key used by no other test, run or thread. */
  protected final String newKey() {
    return "sluice-contract:" + RUN + ":" + getClass().getSimpleName() + "." + test + ":"
        + KEYS.incrementAndGet();
  }

  /** A fresh key on a fresh limiter for {@code limits}: what most tests exercise. */
  protected final Key key(Limit... limits) {
    return new Key(limiter(limits), newKey());
  }

  /** Sets the clock to {@code micros} after {@link #T0}. */
  protected final void at(long micros) {
    clock.setMicros(T0 + micros);
  }

  /** Microseconds since {@link #T0}. */
  protected final long now() {
    return clock.nowMicros() - T0;
  }

  /** One key of one limiter; every decision it returns is checked to be well formed. */
  protected static final class Key {
    private final RateLimiter limiter;
    private final String name;

    Key(RateLimiter limiter, String name) {
      this.limiter = limiter;
      this.name = name;
    }

    public RateLimiter limiter() {
      return limiter;
    }

    public String name() {
      return name;
    }

    /** One permit. */
    public Decision acquire() {
      return acquire(1);
    }

    public Decision acquire(long permits) {
      return checked(limiter.tryAcquire(name, permits));
    }

    /** Zero permits: a pure check. */
    public Decision check() {
      return acquire(0);
    }

    public Decision acquireAsync(long permits) {
      CompletionStage<Decision> stage = limiter.tryAcquireAsync(name, permits);
      try {
        return checked(stage.toCompletableFuture().get(30, TimeUnit.SECONDS));
      } catch (Exception e) {
        throw new AssertionError("tryAcquireAsync(" + name + ", " + permits + ") failed", e);
      }
    }

    private Decision checked(Decision d) {
      assertThat(d).as("decision").isNotNull();
      assertThat(limiter.limits()).as("the limit of %s", d).contains(d.limit());
      assertThat(d.degraded()).as("degraded flag of %s", d).isFalse();
      return d;
    }
  }

  /** An admission leaving {@code remaining} permits, fully reset after {@code resetAfter} µs. */
  protected static void assertAllowed(Decision d, long remaining, long resetAfterMicros) {
    assertNumbers(d, new Numbers(true, Reason.WITHIN_LIMIT, remaining, resetAfterMicros, 0));
  }

  /** A denial that a retry after {@code retryAfter} µs would pass, if nothing else consumes. */
  protected static void assertDenied(Decision d, long remaining, long resetAfterMicros,
      long retryAfterMicros) {
    assertNumbers(d, new Numbers(false, Reason.LIMIT_EXCEEDED, remaining, resetAfterMicros,
        retryAfterMicros));
  }

  /** A denial of more permits than the limit can ever hold: never retry. */
  protected static void assertNeverFits(Decision d, long remaining, long resetAfterMicros) {
    assertNumbers(d, new Numbers(false, Reason.PERMITS_EXCEED_CAPACITY, remaining,
        resetAfterMicros, NEVER));
    assertThat(d.retryAfter()).isEqualTo(Decision.NEVER);
  }

  /** A denial after which a retry in exactly 1 µs passes (the remaining and reset not checked). */
  protected static void assertDeniedForOneMoreMicrosecond(Decision d) {
    assertThat(d.allowed()).as("allowed in %s", d).isFalse();
    assertThat(d.retryAfterMicros()).as("retryAfter in %s", d).isEqualTo(1);
  }

  /** Which limit decided. */
  protected static void assertDecidedBy(Decision d, Limit limit) {
    assertThat(d.limit()).as("the deciding limit of %s", d).isEqualTo(limit);
    assertThat(d.limitName()).isEqualTo(limit.name());
  }

  private static void assertNumbers(Decision d, Numbers expected) {
    assertThat(Numbers.of(d)).as("%s", d).isEqualTo(expected);
  }

  /** The checked numbers of a decision, so a failure shows all of them side by side. */
  private record Numbers(boolean allowed, Reason reason, long remaining, long resetAfterMicros,
      long retryAfterMicros) {
    static Numbers of(Decision d) {
      return new Numbers(d.allowed(), d.reason(), d.remaining(), d.resetAfterMicros(),
          d.retryAfterMicros());
    }
  }
}
