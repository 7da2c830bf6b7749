package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The facade over reserve, refund and reset: {@link RateLimiter#acquire(String, long, Duration)}
 * and its async form wait on the {@link Sleeper}, give reserved permits back when interrupted,
 * and tell the {@link LimiterListener} every decision, wait, refund and reset; {@link
 * ResourceLimiter} does the same for one key; the builder validates every setting.
 */
class WaitingRefundResetTest {

  private static final long SECOND = 1_000_000;
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private final ManualClock clock = new ManualClock();
  private final MemoryBackend backend = MemoryBackend.builder().clock(clock).build();
  private final ManualSleeper sleeper = new ManualSleeper(clock);
  private final Recorder heard = new Recorder();

  @AfterEach
  void close() {
    backend.close();
  }

  private RateLimiter limiter(Sleeper sleeper, Limit... limits) {
    return RateLimiter.builder(List.of(limits)).backend(backend).sleeper(sleeper)
        .name("api").listener(heard).build();
  }

  /** 10 per second, burst 1: one permit every 100 ms. */
  private static Limit bucket() {
    return Limit.builder("10/second").burst(1).build();
  }

  /** Every call of the listener, in order, as text. */
  private static final class Recorder implements LimiterListener {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onDecision(String limiter, long permits, Decision d) {
      calls.add("decision " + limiter + " " + permits + " " + d.reason() + " "
          + d.remaining() + " " + d.resetAfterMicros() + " " + d.retryAfterMicros());
    }

    @Override
    public void onWait(String limiter, long waitedMicros, boolean granted) {
      calls.add("wait " + limiter + " " + waitedMicros + " " + granted);
    }

    @Override
    public void onRefund(String limiter, long permits) {
      calls.add("refund " + limiter + " " + permits);
    }

    @Override
    public void onReset(String limiter) {
      calls.add("reset " + limiter);
    }
  }

  @Test
  void waitersOfABucketAreServedInTurnAndTheListenerHearsEveryWait() {
    RateLimiter limiter = limiter(sleeper, bucket());
    for (int i = 0; i < 3; i++) {
      Decision d = limiter.acquire("k", 1, ONE_SECOND);
      assertThat(d).isEqualTo(Decision.allowed(bucket(), 0, i == 0 ? 100_000 : 200_000));
    }
    assertThat(sleeper.waits()).containsExactly(100_000L, 100_000L);
    assertThat(clock.nowMicros()).isEqualTo(200_000);
    assertThat(heard.calls).containsExactly(
        "decision api 1 WITHIN_LIMIT 0 100000 0",
        "wait api 100000 true",
        "decision api 1 WITHIN_LIMIT 0 200000 0",
        "wait api 100000 true",
        "decision api 1 WITHIN_LIMIT 0 200000 0");
  }

  @Test
  void aRefusedWaitIsToldAsADecisionOnly() {
    RateLimiter limiter = limiter(sleeper, bucket());
    limiter.tryAcquire("k");
    Decision d = limiter.acquire("k", 1, Duration.ofMillis(99));
    assertThat(d).isEqualTo(Decision.denied(bucket(), 0, 100_000, 100_000));
    assertThat(sleeper.waits()).isEmpty();
    assertThat(heard.calls).containsExactly(
        "decision api 1 WITHIN_LIMIT 0 100000 0",
        "decision api 1 LIMIT_EXCEEDED 0 100000 100000");
  }

  @Test
  void aWindowWaiterRetriesAtRetryAfterAndGivesUpWhenItsBudgetIsSpent() {
    Limit window = Limit.builder("1/second").algorithm(Algorithm.FIXED_WINDOW).build();
    RateLimiter limiter = limiter(sleeper, window);
    clock.setMicros(500_000);
    limiter.tryAcquire("k");
    assertThat(limiter.acquire("k", 1, ONE_SECOND)).isEqualTo(Decision.allowed(window, 0, SECOND));
    assertThat(clock.nowMicros()).isEqualTo(SECOND);

    // A budget that covers the first retry but not the second: gives up after waiting once.
    RateLimiter[] unluckyOne = new RateLimiter[1];
    Sleeper taking = new Sleeper() {
      @Override
      public void sleep(long micros) throws InterruptedException {
        sleeper.sleep(micros);
        unluckyOne[0].tryAcquire("u"); // someone else takes the freed permit first
      }

      @Override
      public CompletionStage<Void> delay(long micros) {
        throw new AssertionError();
      }
    };
    RateLimiter unlucky = limiter(taking, window);
    unluckyOne[0] = unlucky;
    unlucky.tryAcquire("u");
    heard.calls.clear();
    Decision d = unlucky.acquire("u", 1, Duration.ofMillis(1_500));
    assertThat(d).isEqualTo(Decision.denied(window, 0, SECOND, SECOND));
    assertThat(heard.calls).containsExactly(
        "decision api 1 WITHIN_LIMIT 0 1000000 0", // the competing take at 2 s
        "wait api 1000000 false",
        "decision api 1 LIMIT_EXCEEDED 0 1000000 1000000");
  }

  @Test
  void anInterruptedWaiterGivesItsPermitsBackAndKeepsItsFlag() {
    Sleeper interrupted = new Sleeper() {
      @Override
      public void sleep(long micros) throws InterruptedException {
        throw new InterruptedException();
      }

      @Override
      public CompletionStage<Void> delay(long micros) {
        throw new AssertionError();
      }
    };
    RateLimiter limiter = limiter(interrupted, bucket());
    limiter.tryAcquire("k");
    Decision d;
    try {
      d = limiter.acquire("k", 1, ONE_SECOND);
    } finally {
      assertThat(Thread.interrupted()).as("interrupt flag").isTrue();
    }
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Decision.Reason.INTERRUPTED);
    assertThat(d.retryAfterMicros()).isEqualTo(100_000);
    assertThat(d.resetAfterMicros()).isEqualTo(100_000);
    assertThat(d.limit()).isEqualTo(bucket());
    assertThat(limiter.tryAcquire("k", 0).resetAfterMicros()).as("nothing kept")
        .isEqualTo(100_000);
    assertThat(heard.calls).contains("decision api 1 INTERRUPTED 0 100000 100000");

    // The ManualSleeper refuses to sleep for an interrupted thread, as the JDK's sleeps do.
    RateLimiter manual = limiter(sleeper, bucket());
    manual.tryAcquire("m");
    Thread.currentThread().interrupt();
    try {
      assertThat(manual.acquire("m", 1, ONE_SECOND).reason())
          .isEqualTo(Decision.Reason.INTERRUPTED);
    } finally {
      assertThat(Thread.interrupted()).isTrue();
    }
    assertThat(sleeper.waits()).isEmpty();
  }

  /**
   * The refund of an interrupted waiter happens before its interrupt flag is set again, so a
   * backend that waits interruptibly (as a Redis client's sync call does) still gives back.
   */
  @Test
  void anInterruptedWaitersRefundRunsBeforeTheFlagIsSetAgain() {
    List<Boolean> interruptedDuringRefund = new ArrayList<>();
    Backend interruptible = new Backend() {
      @Override
      public KeyedLimits open(List<Limit> limits) {
        KeyedLimits real = backend.open(limits);
        return new KeyedLimits() {
          @Override
          public List<Limit> limits() {
            return limits;
          }

          @Override
          public Decision acquire(String key, long permits) {
            return real.acquire(key, permits);
          }

          @Override
          public CompletionStage<Decision> acquireAsync(String key, long permits) {
            return real.acquireAsync(key, permits);
          }

          @Override
          public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
            return real.acquireUpToAsync(key, maxPermits);
          }

          @Override
          public CompletionStage<Reservation> reserveAsync(String key, long permits,
              long maxWait) {
            return real.reserveAsync(key, permits, maxWait);
          }

          @Override
          public CompletionStage<Decision> refundAsync(String key, long permits) {
            interruptedDuringRefund.add(Thread.currentThread().isInterrupted());
            if (Thread.currentThread().isInterrupted()) {
              return CompletableFuture.failedFuture(new IllegalStateException("interrupted"));
            }
            return real.refundAsync(key, permits);
          }

          @Override
          public CompletionStage<Void> resetAsync(String key) {
            return real.resetAsync(key);
          }
        };
      }

      @Override
      public void close() {}
    };
    Sleeper interrupted = new Sleeper() {
      @Override
      public void sleep(long micros) throws InterruptedException {
        throw new InterruptedException();
      }

      @Override
      public CompletionStage<Void> delay(long micros) {
        throw new AssertionError();
      }
    };
    RateLimiter limiter = RateLimiter.builder(bucket()).backend(interruptible)
        .sleeper(interrupted).build();
    limiter.tryAcquire("k");
    Decision d;
    try {
      d = limiter.acquire("k", 1, ONE_SECOND);
    } finally {
      assertThat(Thread.interrupted()).isTrue();
    }
    assertThat(interruptedDuringRefund).containsExactly(false);
    assertThat(d.reason()).isEqualTo(Decision.Reason.INTERRUPTED);
    assertThat(limiter.tryAcquire("k", 0).resetAfterMicros()).isEqualTo(100_000);
  }

  @Test
  void acquireAsyncWaitsOnTheSleepersDelayWithoutBlocking() throws Exception {
    List<CompletableFuture<Void>> delays = new ArrayList<>();
    List<Long> asked = new ArrayList<>();
    Sleeper held = new Sleeper() {
      @Override
      public void sleep(long micros) {
        throw new AssertionError("async must not block");
      }

      @Override
      public CompletionStage<Void> delay(long micros) {
        asked.add(micros);
        CompletableFuture<Void> f = new CompletableFuture<>();
        delays.add(f);
        return f;
      }
    };
    RateLimiter limiter = limiter(held, bucket());
    CompletableFuture<Decision> first = limiter.acquireAsync("k", 1, ONE_SECOND)
        .toCompletableFuture();
    CompletableFuture<Decision> second = limiter.acquireAsync("k", 1, ONE_SECOND)
        .toCompletableFuture();
    CompletableFuture<Decision> third = limiter.acquireAsync("k", 1, ONE_SECOND)
        .toCompletableFuture();
    assertThat(first).isCompletedWithValue(Decision.allowed(bucket(), 0, 100_000));
    assertThat(second).isNotDone();
    assertThat(asked).containsExactly(100_000L, 200_000L);
    delays.get(1).complete(null); // the later one's delay may end first: each has its own slot
    assertThat(third.get(1, TimeUnit.SECONDS)).isEqualTo(Decision.allowed(bucket(), 0, 300_000));
    assertThat(second).isNotDone();
    delays.get(0).complete(null);
    assertThat(second.get(1, TimeUnit.SECONDS))
        .isEqualTo(Decision.allowed(bucket(), 0, 200_000));
    assertThat(heard.calls).containsExactly(
        "decision api 1 WITHIN_LIMIT 0 100000 0",
        "wait api 200000 true",
        "decision api 1 WITHIN_LIMIT 0 300000 0",
        "wait api 100000 true",
        "decision api 1 WITHIN_LIMIT 0 200000 0");

    // A window waiter retries after the delay, asynchronously.
    Limit window = Limit.builder("1/second").algorithm(Algorithm.FIXED_WINDOW).build();
    RateLimiter windows = limiter(sleeper, window);
    windows.tryAcquire("w");
    assertThat(windows.acquireAsync("w", 1, Duration.ofSeconds(2)).toCompletableFuture()
        .get(1, TimeUnit.SECONDS)).isEqualTo(Decision.allowed(window, 0, SECOND));
    assertThat(sleeper.waits()).containsExactly(SECOND);
    assertThat(windows.acquireAsync("w", 1, Duration.ofMillis(999)).toCompletableFuture()
        .get(1, TimeUnit.SECONDS)).isEqualTo(Decision.denied(window, 0, SECOND, SECOND));
  }

  @Test
  void refundAndResetAreToldToTheListener() {
    Limit limit = Limit.perSecond(3);
    RateLimiter limiter = limiter(sleeper, limit);
    limiter.tryAcquire("k", 3);
    assertThat(limiter.refund("k", 2)).isEqualTo(Decision.allowed(limit, 2, 333_334));
    assertThat(limiter.refund("k", 0)).isEqualTo(Decision.allowed(limit, 2, 333_334));
    limiter.reset("k");
    assertThat(limiter.tryAcquire("k", 0)).isEqualTo(Decision.allowed(limit, 3, 0));
    assertThat(heard.calls).containsExactly(
        "decision api 3 WITHIN_LIMIT 0 1000000 0",
        "refund api 2",
        "reset api",
        "decision api 0 WITHIN_LIMIT 3 0 0");
  }

  @Test
  void aLimiterWithoutAListenerDoesAllOfItToo() {
    RateLimiter limiter = RateLimiter.builder(bucket()).backend(backend).sleeper(sleeper).build();
    assertThat(limiter.name()).isEqualTo("default");
    limiter.acquire("k", 1, ONE_SECOND);
    assertThat(limiter.acquire("k", 1, ONE_SECOND).allowed()).isTrue();
    assertThat(limiter.acquireAsync("k", 1, ONE_SECOND).toCompletableFuture().join().allowed())
        .isTrue();
    assertThat(limiter.refund("k", 1).remaining()).as("due at 300 ms, now 200 ms").isEqualTo(1);
    limiter.reset("k");
    assertThat(limiter.tryAcquire("k", 0).remaining()).isEqualTo(1);
    assertThat(sleeper.waits()).containsExactly(100_000L, 100_000L);
  }

  @Test
  void maxWaitsAreWholeMicrosecondsAndSaturate() {
    RateLimiter limiter = limiter(sleeper, bucket());
    limiter.tryAcquire("k");
    assertThat(limiter.acquire("k", 1, Duration.ofNanos(999)).allowed()).as("0 µs").isFalse();
    for (Duration huge : List.of(Duration.ofDays(365 * 300), Duration.ofDays(365_000),
        Duration.ofSeconds(Long.MAX_VALUE / 1_000_000), Decision.NEVER,
        ChronoUnit.FOREVER.getDuration())) {
      assertThat(limiter.acquire("k", 1, huge).allowed()).as("%s", huge).isTrue();
    }
    assertThat(sleeper.waits()).hasSize(5).containsOnly(100_000L);
  }

  @Test
  void aResourceLimiterIsOneKeyNamedByTheBuilder() {
    Limit limit = bucket();
    ResourceLimiter payments = RateLimiter.builder(limit).backend(backend).sleeper(sleeper)
        .name("payments").listener(heard).buildForResource();
    assertThat(payments.name()).isEqualTo("payments");
    assertThat(payments.limits()).containsExactly(limit);
    assertThat(payments.toString()).contains("payments");
    assertThat(payments.tryAcquire()).isEqualTo(Decision.allowed(limit, 0, 100_000));
    assertThat(payments.acquire(1, ONE_SECOND)).isEqualTo(Decision.allowed(limit, 0, 200_000));
    assertThat(payments.acquireAsync(1, ONE_SECOND).toCompletableFuture().join())
        .isEqualTo(Decision.allowed(limit, 0, 200_000));
    assertThat(payments.tryAcquireAsync(1).toCompletableFuture().join().allowed()).isFalse();
    assertThat(payments.refund(1)).isEqualTo(Decision.allowed(limit, 1, 0)); // due now: full
    payments.reset();
    assertThat(payments.tryAcquire(0)).isEqualTo(Decision.allowed(limit, 1, 0));
    assertThat(sleeper.waits()).containsExactly(100_000L, 100_000L);
    assertThat(heard.calls).containsExactly(
        "decision payments 1 WITHIN_LIMIT 0 100000 0",
        "wait payments 100000 true",
        "decision payments 1 WITHIN_LIMIT 0 200000 0",
        "wait payments 100000 true",
        "decision payments 1 WITHIN_LIMIT 0 200000 0",
        "decision payments 1 LIMIT_EXCEEDED 0 100000 100000",
        "refund payments 1",
        "reset payments",
        "decision payments 0 WITHIN_LIMIT 1 0 0");
    // The same resource through the keyed limiter of the same backend is another limiter.
    assertThat(ResourceLimiter.create(backend, "payments", List.of(limit)).tryAcquire().allowed())
        .isTrue();
    ResourceLimiter quick = ResourceLimiter.inMemory(Limit.perSecond(2));
    assertThat(quick.name()).isEqualTo("default");
    assertThat(quick.tryAcquire(2).allowed()).isTrue();
  }

  @Test
  void aResourceLimiterRejectsInvalidArgumentsAtTheCall() {
    ResourceLimiter r = RateLimiter.builder(bucket()).backend(backend).sleeper(sleeper)
        .buildForResource();
    assertThatThrownBy(() -> r.tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be >= 0, was -1");
    assertThatThrownBy(() -> r.acquire(-1, ONE_SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 0, was -1");
    assertThatThrownBy(() -> r.acquire(1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait must be >= 0");
    assertThatThrownBy(() -> r.acquire(1, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("maxWait must not be null");
    assertThatThrownBy(() -> r.acquireAsync(1, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("maxWait must not be null");
    assertThatThrownBy(() -> r.refund(-2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be >= 0, was -2");
    assertThat(r.tryAcquire(1).allowed()).as("nothing was taken").isTrue();
  }

  @Test
  void theBuilderValidatesEverySettingWhenSet() {
    RateLimiter.Builder b = RateLimiter.builder(Limit.perSecond(1));
    assertThatThrownBy(() -> b.backend(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("backend must not be null");
    assertThatThrownBy(() -> b.name(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("name must not be null");
    assertThatThrownBy(() -> b.name("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be empty");
    assertThatThrownBy(() -> b.listener(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("listener must not be null");
    assertThatThrownBy(() -> b.sleeper(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("sleeper must not be null");
    assertThatThrownBy(() -> RateLimiter.builder((List<Limit>) null))
        .isInstanceOf(NullPointerException.class).hasMessage("limits must not be null");
    assertThatThrownBy(() -> RateLimiter.builder(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limits must not be empty: give at least one Limit");
    assertThatThrownBy(() -> RateLimiter.builder(Limit.perSecond(1), (Limit) null))
        .isInstanceOf(NullPointerException.class).hasMessage("limits[1] must not be null");
    assertThatThrownBy(() -> RateLimiter.builder((Limit) null))
        .isInstanceOf(NullPointerException.class).hasMessage("limit must not be null");
    assertThatThrownBy(() -> new ManualSleeper(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("clock must not be null");
    // The builder copies the limits: changing the list later changes nothing.
    List<Limit> limits = new ArrayList<>(List.of(Limit.perSecond(1)));
    RateLimiter.Builder copied = RateLimiter.builder(limits);
    limits.add(Limit.perMinute(1));
    assertThat(copied.backend(backend).build().limits()).containsExactly(Limit.perSecond(1));
    // A failed setting leaves the builder usable, with its earlier settings.
    RateLimiter built = b.name("ok").backend(backend).build();
    assertThat(built.name()).isEqualTo("ok");
    assertThat(built.toString()).contains("ok");
  }

  @Test
  void theSystemSleeperSleepsAndDelaysForReal() throws Exception {
    long start = System.nanoTime();
    Sleeper.system().sleep(2_000);
    Sleeper.system().delay(2_000).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(4_000_000);
  }

  @Test
  void theManualSleeperMovesItsClockAndRemembersEveryWait() throws Exception {
    sleeper.sleep(5);
    assertThat(sleeper.delay(7).toCompletableFuture()).isCompleted();
    assertThat(sleeper.waits()).containsExactly(5L, 7L);
    assertThat(clock.nowMicros()).isEqualTo(12);
  }
}
