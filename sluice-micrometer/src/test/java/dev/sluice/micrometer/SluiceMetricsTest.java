package dev.sluice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.ManualSleeper;
import dev.sluice.RateLimiter;
import dev.sluice.ResourceLimiter;
import dev.sluice.Sleeper;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Given limits, a manual clock and a scripted sequence of calls: these exact counts. */
class SluiceMetricsTest {

  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SluiceMetrics metrics = new SluiceMetrics(registry);

  private double decisions(String limiter, String limit, String outcome) {
    Counter c = registry.find(SluiceMetrics.DECISIONS)
        .tags("limiter", limiter, "limit", limit, "outcome", outcome).counter();
    return c == null ? -1 : c.count();
  }

  private double degraded(String limiter, String reason) {
    Counter c = registry.find(SluiceMetrics.DEGRADED)
        .tags("limiter", limiter, "reason", reason).counter();
    return c == null ? -1 : c.count();
  }

  private Timer waits(String limiter, boolean granted) {
    return registry.get(SluiceMetrics.WAITS)
        .tags("limiter", limiter, "granted", Boolean.toString(granted)).timer();
  }

  @Test
  void decisionsAreCountedByLimiterDecidingLimitAndOutcome() {
    MemoryBackend store = MemoryBackend.builder().clock(clock).build();
    RateLimiter api = RateLimiter.builder(Limit.perSecond(2).named("burst"),
        Limit.perMinute(3).named("minute")).name("api").listener(metrics).backend(store).build();

    assertThat(api.tryAcquire("alice").limitName()).isEqualTo("burst");      // 1 + 2 left
    assertThat(api.tryAcquire("alice").limitName()).isEqualTo("burst");      // 0 + 1 left
    Decision overBurst = api.tryAcquire("alice");
    assertThat(overBurst.allowed()).isFalse();
    assertThat(overBurst.limitName()).isEqualTo("burst");
    clock.advance(Duration.ofSeconds(1));                                     // burst full again
    assertThat(api.tryAcquire("alice").limitName()).isEqualTo("minute");     // 1 + 0 left
    Decision overMinute = api.tryAcquire("alice");
    assertThat(overMinute.allowed()).isFalse();
    assertThat(overMinute.limitName()).isEqualTo("minute");
    Decision never = api.tryAcquire("alice", 3);                             // burst holds 2
    assertThat(never.reason()).isEqualTo(Decision.Reason.PERMITS_EXCEED_CAPACITY);
    assertThat(never.limitName()).isEqualTo("burst");
    assertThat(api.tryAcquire("bob", 0).allowed()).isTrue();                 // a check counts

    ResourceLimiter payments = RateLimiter.builder(Limit.perSecond(1)).name("payments")
        .listener(metrics).backend(store).buildForResource();
    payments.tryAcquire();
    payments.tryAcquire();

    assertThat(decisions("api", "burst", "allowed")).isEqualTo(3);
    assertThat(decisions("api", "burst", "denied")).isEqualTo(2);
    assertThat(decisions("api", "minute", "allowed")).isEqualTo(1);
    assertThat(decisions("api", "minute", "denied")).isEqualTo(1);
    assertThat(decisions("payments", "1/second", "allowed")).isEqualTo(1);
    assertThat(decisions("payments", "1/second", "denied")).isEqualTo(1);
    // degraded outcomes, degraded reasons, waits, refunds and resets appear when they happen
    assertThat(decisions("api", "burst", "degraded_denied")).isEqualTo(-1);
    assertThat(registry.find(SluiceMetrics.DEGRADED).meters()).isEmpty();
    assertThat(registry.find(SluiceMetrics.WAITS).meters()).isEmpty();
    // 2 limiters x their limits x {allowed, denied}; no key is ever a tag
    assertThat(registry.getMeters()).hasSize(6);
    assertThat(registry.getMeters()).flatExtracting(m -> m.getId().getTags())
        .extracting(Tag::getValue).doesNotContain("alice", "bob");
  }

  @Test
  void aFullStoreGivesDegradedDecisionsCountedByReasonAndInTheStoresGauges() {
    MemoryBackend strict = MemoryBackend.builder().clock(clock).maxKeys(1).build();
    MemoryBackend lenient = MemoryBackend.builder().clock(clock).maxKeys(1)
        .whenFull(MemoryBackend.WhenFull.ALLOW).build();
    new MemoryBackendMetrics(strict).bindTo(registry);
    new MemoryBackendMetrics(lenient, "lenient").bindTo(registry);
    RateLimiter api = RateLimiter.builder(Limit.perSecond(1)).name("api").listener(metrics)
        .backend(strict).build();
    RateLimiter open = RateLimiter.builder(Limit.perSecond(1)).name("open").listener(metrics)
        .backend(lenient).build();

    assertThat(api.tryAcquire("a").allowed()).isTrue();           // the one key the store holds
    Decision full = api.tryAcquire("b");
    assertThat(full.degraded()).isTrue();
    assertThat(full.allowed()).isFalse();
    assertThat(full.reason()).isEqualTo(Decision.Reason.STORE_FULL);
    assertThat(api.tryAcquire("b").degraded()).isTrue();
    assertThat(api.tryAcquire("a").allowed()).isFalse();          // a plain denial
    assertThat(api.tryAcquire("c", 0).degraded()).isFalse();      // a check stores nothing
    assertThat(open.tryAcquire("x").allowed()).isTrue();
    Decision admitted = open.tryAcquire("y");
    assertThat(admitted.degraded()).isTrue();
    assertThat(admitted.allowed()).isTrue();

    assertThat(decisions("api", "1/second", "allowed")).isEqualTo(2);
    assertThat(decisions("api", "1/second", "denied")).isEqualTo(1);
    assertThat(decisions("api", "1/second", "degraded_denied")).isEqualTo(2);
    assertThat(decisions("api", "1/second", "degraded_allowed")).isEqualTo(-1);
    assertThat(degraded("api", "store_full")).isEqualTo(2);
    assertThat(decisions("open", "1/second", "allowed")).isEqualTo(1);
    assertThat(decisions("open", "1/second", "degraded_allowed")).isEqualTo(1);
    assertThat(degraded("open", "store_full")).isEqualTo(1);

    assertThat(registry.get(MemoryBackendMetrics.KEYS).tag("store", "memory").gauge().value())
        .isEqualTo(1);
    assertThat(registry.get(MemoryBackendMetrics.CAPACITY).tag("store", "memory").gauge()
        .value()).isEqualTo(1);
    assertThat(registry.get(MemoryBackendMetrics.FULL_REFUSALS).tag("store", "memory")
        .functionCounter().count()).isEqualTo(2);
    assertThat(registry.get(MemoryBackendMetrics.FULL_REFUSALS).tag("store", "lenient")
        .functionCounter().count()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(1));   // "a" is full again: no state worth keeping
    assertThat(api.tryAcquire("b").degraded()).isFalse();   // the full sweep makes room
    assertThat(decisions("api", "1/second", "allowed")).isEqualTo(3);
    assertThat(registry.get(MemoryBackendMetrics.KEYS).tag("store", "memory").gauge().value())
        .isEqualTo(1);
    assertThat(registry.get(MemoryBackendMetrics.EXPIRATIONS).tag("store", "memory")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get(MemoryBackendMetrics.FULL_REFUSALS).tag("store", "memory")
        .functionCounter().count()).isEqualTo(2);
  }

  @Test
  void waitsAreTimedByWhetherTheWaiterGotItsPermits() {
    // Fixed window: acquire sleeps until a denial's retryAfter and tries again
    RateLimiter[] jobs = new RateLimiter[1];
    ManualSleeper manual = new ManualSleeper(clock);
    boolean[] thief = {false};
    Sleeper sleeper = new Sleeper() {
      @Override
      public void sleep(long micros) throws InterruptedException {
        manual.sleep(micros);
        if (thief[0]) {          // another client takes the new window's permit first
          jobs[0].tryAcquire("k");
        }
      }

      @Override
      public CompletionStage<Void> delay(long micros) {
        return manual.delay(micros);
      }
    };
    jobs[0] = RateLimiter.builder(
            Limit.builder("1/second").algorithm(Algorithm.FIXED_WINDOW).build())
        .name("jobs").listener(metrics).sleeper(sleeper)
        .backend(MemoryBackend.builder().clock(clock).build()).build();
    RateLimiter limiter = jobs[0];

    assertThat(limiter.acquire("k", 1, Duration.ofSeconds(2)).allowed()).isTrue();  // no wait
    assertThat(limiter.acquire("k", 1, Duration.ofSeconds(2)).allowed()).isTrue();  // 1 s
    assertThat(limiter.acquire("k", 1, Duration.ofMillis(500)).allowed()).isFalse(); // too long
    thief[0] = true;
    assertThat(limiter.acquire("k", 1, Duration.ofMillis(1500)).allowed()).isFalse(); // 1 s, robbed
    thief[0] = false;
    Decision async = limiter.acquireAsync("k", 1, Duration.ofSeconds(2)).toCompletableFuture()
        .join();                                                                     // 1 s
    assertThat(async.allowed()).isTrue();
    assertThat(manual.waits()).containsExactly(1_000_000L, 1_000_000L, 1_000_000L);

    assertThat(waits("jobs", true).count()).isEqualTo(2);
    assertThat(waits("jobs", true).totalTime(TimeUnit.MICROSECONDS)).isEqualTo(2_000_000);
    assertThat(waits("jobs", false).count()).isEqualTo(1);
    assertThat(waits("jobs", false).totalTime(TimeUnit.MICROSECONDS)).isEqualTo(1_000_000);
    // the final answer of every acquire is a decision; the thief's too
    assertThat(decisions("jobs", "1/second", "allowed")).isEqualTo(4);
    assertThat(decisions("jobs", "1/second", "denied")).isEqualTo(2);
  }

  @Test
  void refundsCountPermitsAndResetsCountCalls() {
    RateLimiter limiter = RateLimiter.builder(Limit.perSecond(5)).name("stub").listener(metrics)
        .backend(new StubBackend()).build();
    limiter.refund("k", 3);
    limiter.refund("k", 0);   // gives nothing back: not counted
    limiter.refund("j", 2);
    limiter.reset("k");
    limiter.reset("j");
    limiter.reset("k");

    assertThat(registry.get(SluiceMetrics.REFUNDED_PERMITS).tag("limiter", "stub").counter()
        .count()).isEqualTo(5);
    assertThat(registry.get(SluiceMetrics.RESETS).tag("limiter", "stub").counter().count())
        .isEqualTo(3);
  }

  @Test
  void tokenBucketWaitersInDebtInterruptionsRefundsAndResetsOnTheMemoryStore() {
    MemoryBackend store = MemoryBackend.builder().clock(clock).build();
    ManualSleeper sleeper = new ManualSleeper(clock);
    RateLimiter limiter = RateLimiter.builder(Limit.perSecond(1)).name("tb").listener(metrics)
        .sleeper(sleeper).backend(store).build();

    assertThat(limiter.acquire("k", 1, Duration.ofSeconds(2)).allowed()).isTrue();  // at once
    assertThat(limiter.acquire("k", 1, Duration.ofSeconds(2)).allowed()).isTrue();  // 1 s debt
    assertThat(limiter.acquire("k", 1, Duration.ofMillis(500)).allowed()).isFalse(); // 1 s > 0.5
    Thread.currentThread().interrupt();
    Decision interrupted = limiter.acquire("k", 1, Duration.ofSeconds(5));
    assertThat(Thread.interrupted()).isTrue();
    assertThat(interrupted.reason()).isEqualTo(Decision.Reason.INTERRUPTED);
    limiter.tryAcquire("k");                        // denied: the key is still in debt
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    limiter.refund("k", 1);
    limiter.reset("k");

    assertThat(sleeper.waits()).containsExactly(1_000_000L);
    assertThat(waits("tb", true).count()).isEqualTo(1);
    assertThat(waits("tb", true).totalTime(TimeUnit.MICROSECONDS)).isEqualTo(1_000_000);
    // an interrupt before the first sleep: nothing was waited, so no wait is recorded
    assertThat(registry.find(SluiceMetrics.WAITS).tag("granted", "false").timer()).isNull();
    assertThat(decisions("tb", "1/second", "allowed")).isEqualTo(3);
    assertThat(decisions("tb", "1/second", "denied")).isEqualTo(3);
    assertThat(registry.get(SluiceMetrics.REFUNDED_PERMITS).counter().count()).isEqualTo(1);
    assertThat(registry.get(SluiceMetrics.RESETS).counter().count()).isEqualTo(1);
  }

  @Test
  void extraTagsGoOnEveryMeter() {
    SluiceMetrics tagged = new SluiceMetrics(registry, Tags.of("app", "shop"));
    RateLimiter limiter = RateLimiter.builder(Limit.perSecond(1)).listener(tagged)
        .backend(MemoryBackend.builder().clock(clock).build()).build();
    limiter.tryAcquire("k");
    assertThat(registry.get(SluiceMetrics.DECISIONS)
        .tags("app", "shop", "limiter", "default", "outcome", "allowed").counter().count())
        .isEqualTo(1);
    assertThat(tagged.registry()).isSameAs(registry);
  }

  @Test
  void aRegistryThatRefusesMetersNeverBreaksADecision() {
    MeterRegistry refusing = new SimpleMeterRegistry();
    refusing.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        throw new IllegalStateException("no meters today");
      }
    });
    RateLimiter limiter = RateLimiter.builder(Limit.perSecond(1))
        .listener(new SluiceMetrics(refusing))
        .backend(MemoryBackend.builder().clock(clock).maxKeys(1).build()).build();
    assertThatNoException().isThrownBy(() -> {
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
      assertThat(limiter.tryAcquire("other").degraded()).isTrue();
    });
  }

  @Test
  void aWarmListenerAllocatesNothingPerDecision() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported());
    threads.setThreadAllocatedMemoryEnabled(true);
    Limit perSecond = Limit.perSecond(10);
    Limit perDay = Limit.perDay(1000).named("daily");
    List<Decision> script = List.of(Decision.allowed(perSecond, 3, 100),
        Decision.denied(perDay, 0, 100, 100),
        Decision.degraded(false, Decision.Reason.STORE_FULL, perSecond));
    Runnable calls = () -> {
      for (int i = 0; i < 30_000; i++) {
        metrics.onDecision("api", 1, script.get(i % 3));
        metrics.onWait("api", 250, i % 2 == 0);
      }
    };
    calls.run();
    calls.run();
    long before = threads.getCurrentThreadAllocatedBytes();
    calls.run();
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(allocated).isLessThan(4096);   // 60,000 calls: no per-call garbage
    assertThat(decisions("api", "10/second", "allowed")).isEqualTo(30_000);
    assertThat(decisions("api", "daily", "denied")).isEqualTo(30_000);
    assertThat(decisions("api", "10/second", "degraded_denied")).isEqualTo(30_000);
    assertThat(waits("api", true).count()).isEqualTo(45_000);
  }

  /** Admits everything; refund and reset do nothing. */
  private static final class StubBackend implements Backend {
    @Override
    public KeyedLimits open(List<Limit> limits) {
      Decision full = Decision.allowed(limits.get(0), limits.get(0).capacity(), 0);
      return new KeyedLimits() {
        @Override
        public List<Limit> limits() {
          return limits;
        }

        @Override
        public Decision acquire(String key, long permits) {
          return full;
        }

        @Override
        public CompletionStage<Decision> acquireAsync(String key, long permits) {
          return CompletableFuture.completedFuture(full);
        }

        @Override
        public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
          return CompletableFuture.completedFuture(new Grant(maxPermits, full));
        }

        @Override
        public CompletionStage<Reservation> reserveAsync(String key, long permits,
            long maxWaitMicros) {
          return CompletableFuture.completedFuture(Reservation.immediate(full));
        }

        @Override
        public CompletionStage<Decision> refundAsync(String key, long permits) {
          return CompletableFuture.completedFuture(full);
        }

        @Override
        public CompletionStage<Void> resetAsync(String key) {
          return CompletableFuture.completedFuture(null);
        }
      };
    }

    @Override
    public void close() {}
  }
}
