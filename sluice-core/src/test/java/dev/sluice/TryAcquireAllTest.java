package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.RateLimiter.Acquisition;
import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimiter#tryAcquireAll} beyond the backend contract: its arguments, what each
 * limiter's listener hears, limiters on different backends (memory and eventual mode), a part
 * the failure policy admitted that is never refunded, and a part that fails.
 */
class TryAcquireAllTest {

  private static final long T0 = 1_700_006_400_000_000L;
  private static final Limit TWO = Limit.builder(2, Duration.ofMinutes(1))
      .algorithm(Algorithm.FIXED_WINDOW).name("two").build();
  private static final Limit HUNDRED = Limit.builder(100, Duration.ofMinutes(1))
      .algorithm(Algorithm.FIXED_WINDOW).name("hundred").build();

  private final ManualClock clock = new ManualClock(T0);
  private final MemoryBackend memory = MemoryBackend.builder().clock(clock).build();
  private final List<String> heard = new ArrayList<>();

  @AfterEach
  void close() {
    memory.close();
  }

  private RateLimiter limiter(Backend backend, Limit limit, String name) {
    return RateLimiter.builder(limit).backend(backend).name(name).listener(new LimiterListener() {
      @Override
      public void onDecision(String limiter, long permits, Decision decision) {
        heard.add(limiter + " " + permits + " " + decision.allowed());
      }

      @Override
      public void onRefund(String limiter, long permits) {
        heard.add(limiter + " refund " + permits);
      }
    }).build();
  }

  @Test
  void argumentsAreCheckedBeforeAnythingIsTaken() {
    RateLimiter narrow = limiter(memory, TWO, "narrow");
    assertThatThrownBy(() -> RateLimiter.tryAcquireAll(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("acquisitions must not be empty");
    assertThatThrownBy(() -> RateLimiter.tryAcquireAll(List.of(new Acquisition(narrow, "a", 1),
        new Acquisition(narrow, "", 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
    assertThatThrownBy(() -> RateLimiter.tryAcquireAll(List.of(new Acquisition(narrow, "a", 1),
        new Acquisition(narrow, "b", -1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 0, was -1");
    assertThatThrownBy(() -> new Acquisition(null, "a", 1))
        .isInstanceOf(NullPointerException.class).hasMessage("limiter must not be null");
    RateLimiter foreign = new RateLimiter() {
      @Override
      public Decision tryAcquire(String key, long permits) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Decision acquire(String key, long permits, Duration maxWait) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<Decision> acquireAsync(String key, long permits,
          Duration maxWait) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Decision refund(String key, long permits) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void reset(String key) {}

      @Override
      public List<Limit> limits() {
        return List.of(TWO);
      }

      @Override
      public String name() {
        return "foreign";
      }
    };
    assertThatThrownBy(() -> RateLimiter.tryAcquireAll(List.of(new Acquisition(narrow, "a", 1),
        new Acquisition(foreign, "b", 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("acquisitions[1]: the limiter must be built by RateLimiter.builder");
    assertThat(narrow.tryAcquire("a", 0).remaining()).isEqualTo(2);
    assertThatThrownBy(() -> memory.acquireAll(List.of())).hasMessage("parts must not be empty");
  }

  @Test
  void eachListenerHearsItsPartTheRefusedAndTheTakenWithTheirPermitsTheOthersAsChecks() {
    RateLimiter narrow = limiter(memory, TWO, "narrow");
    RateLimiter wide = limiter(memory, HUNDRED, "wide");
    List<Acquisition> request = List.of(new Acquisition(wide, "user:1", 3),
        new Acquisition(narrow, "user:2", 2));
    assertThat(RateLimiter.tryAcquireAll(request)).allMatch(Decision::allowed);
    List<Decision> refused = RateLimiter.tryAcquireAll(request);
    assertThat(refused.get(1).allowed()).isFalse();
    assertThat(refused.get(0).remaining()).isEqualTo(97);
    // the protocol's own refund is not a refund the caller asked for
    assertThat(heard).containsExactly("wide 3 true", "narrow 2 true", "wide 0 true",
        "narrow 2 false");
  }

  @Test
  void limitersOnDifferentBackendsAreCombinedByCompensation() {
    MemoryBackend other = MemoryBackend.builder().clock(clock).build();
    EventualBackend eventual = EventualBackend.builder(other).clock(clock).manualSync()
        .firstSight(FirstSight.LOCAL).build();
    try {
      RateLimiter here = limiter(memory, HUNDRED, "here");
      RateLimiter there = limiter(other, TWO, "there");
      RateLimiter local = limiter(eventual, HUNDRED, "eventual");
      List<Acquisition> request = List.of(new Acquisition(here, "a", 1),
          new Acquisition(local, "b", 1), new Acquisition(there, "c", 1));
      for (int i = 0; i < 2; i++) {
        assertThat(RateLimiter.tryAcquireAll(request)).allMatch(Decision::allowed);
      }
      List<Decision> refused = RateLimiter.tryAcquireAll(request);
      assertThat(refused.get(2).allowed()).isFalse();
      assertThat(refused.get(0).remaining()).isEqualTo(98);
      assertThat(refused.get(1).remaining()).isEqualTo(98);
      assertThat(here.tryAcquire("a", 0).remaining()).isEqualTo(98);
      assertThat(local.tryAcquire("b", 0).remaining()).isEqualTo(98);
      eventual.syncNow().toCompletableFuture().join();
      assertThat(eventual.counters().hitsSent()).as("hits eventual mode reported").isEqualTo(2);
    } finally {
      eventual.close();
      other.close();
    }
  }

  @Test
  void aPartAdmittedByAFailurePolicyIsNotRefundedOnARefusal() {
    Limit open = Limit.builder(5, Duration.ofMinutes(1)).name("down").build();
    List<String> refunds = new ArrayList<>();
    Backend down = new Backend() {
      @Override
      public KeyedLimits open(List<Limit> limits) {
        return new Unavailable(limits, refunds);
      }

      @Override
      public void close() {}
    };
    // one backend for both parts: the default protocol, over a store that is down for one key
    Backend mixed = new Backend() {
      @Override
      public KeyedLimits open(List<Limit> limits) {
        return limits.contains(open) ? down.open(limits) : memory.open(limits);
      }

      @Override
      public void close() {}
    };
    RateLimiter failing = RateLimiter.create(mixed, List.of(open));
    RateLimiter narrow = RateLimiter.create(mixed, List.of(TWO));
    narrow.tryAcquire("n", 2);
    List<Decision> ds = RateLimiter.tryAcquireAll(List.of(new Acquisition(failing, "a", 1),
        new Acquisition(narrow, "n", 1)));
    assertThat(ds.get(0).degraded()).isTrue();
    assertThat(ds.get(0).allowed()).isTrue();
    assertThat(ds.get(1).allowed()).isFalse();
    assertThat(refunds).as("refunds sent to the store that did not take").isEmpty();
  }

  @Test
  void aPartThatFailsFailsTheRequestAfterTheTakenPartsAreRefunded() {
    RateLimiter wide = RateLimiter.create(memory, List.of(HUNDRED));
    Backend broken = new Backend() {
      @Override
      public KeyedLimits open(List<Limit> limits) {
        return new Unavailable(limits, new ArrayList<>()) {
          @Override
          public CompletionStage<Decision> acquireAsync(String key, long permits) {
            return CompletableFuture.failedFuture(new IllegalStateException("store closed"));
          }
        };
      }

      @Override
      public void close() {}
    };
    RateLimiter failing = RateLimiter.create(broken, List.of(TWO));
    CompletableFuture<List<Decision>> all = RateLimiter.tryAcquireAllAsync(List.of(
        new Acquisition(wide, "a", 4), new Acquisition(failing, "b", 1))).toCompletableFuture();
    assertThatThrownBy(all::join).isInstanceOf(CompletionException.class)
        .hasRootCauseMessage("store closed");
    assertThat(wide.tryAcquire("a", 0).remaining()).as("the taken part given back")
        .isEqualTo(100);
  }

  @Test
  void aRequestOfThousandsOfPartsIsAnsweredAndARefusalAtItsEndGivesEveryPartBack()
      throws Exception {
    RateLimiter wide = RateLimiter.create(memory, List.of(HUNDRED));
    RateLimiter narrow = RateLimiter.create(memory, List.of(TWO));
    List<Acquisition> request = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      request.add(new Acquisition(wide, String.format("k%05d", i), 1));
    }
    request.add(new Acquisition(narrow, "z", 3)); // last in the order, and too many
    List<Decision> ds = RateLimiter.tryAcquireAllAsync(request).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(ds.get(20_000).allowed()).isFalse();
    assertThat(ds.subList(0, 20_000)).allMatch(d -> d.allowed() && d.remaining() == 100);
    assertThat(wide.tryAcquire("k00000", 0).remaining()).isEqualTo(100);
    assertThat(wide.tryAcquire("k19999", 0).remaining()).isEqualTo(100);
    request.set(20_000, new Acquisition(narrow, "z", 1));
    assertThat(RateLimiter.tryAcquireAll(request)).allMatch(Decision::allowed);
    assertThat(wide.tryAcquire("k12345", 0).remaining()).isEqualTo(99);
  }

  /** A store that is down: every decision is the fail-open answer; refunds are recorded. */
  private static class Unavailable implements KeyedLimits {
    private final List<Limit> limits;
    private final List<String> refunds;

    Unavailable(List<Limit> limits, List<String> refunds) {
      this.limits = limits;
      this.refunds = refunds;
    }

    @Override
    public List<Limit> limits() {
      return limits;
    }

    @Override
    public Decision acquire(String key, long permits) {
      return Decision.degraded(true, Decision.Reason.BACKEND_UNAVAILABLE, limits.get(0));
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      return CompletableFuture.completedFuture(acquire(key, permits));
    }

    @Override
    public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
      return CompletableFuture.completedFuture(new Grant(maxPermits, acquire(key, maxPermits)));
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits, long maxWait) {
      return CompletableFuture.completedFuture(Reservation.immediate(acquire(key, permits)));
    }

    @Override
    public CompletionStage<Decision> refundAsync(String key, long permits) {
      refunds.add(key + " " + permits);
      return CompletableFuture.completedFuture(acquire(key, 0));
    }

    @Override
    public CompletionStage<Void> resetAsync(String key) {
      return CompletableFuture.completedFuture(null);
    }
  }
}
