package dev.sluice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The in-memory backend is only a concurrency and expiry shell around the transitions: its answers
 * must be exactly theirs, whatever it expires and whenever.
 */
class MemoryBackendPropertiesTest {

  @Provide
  Arbitrary<Scenario> twoKeysSeveralLimits() {
    return Scenario.of(Scenario.limits(Algorithm.values()).list().ofMinSize(1).ofMaxSize(3), 2);
  }

  /**
   * Two keys under one to three limits, with expired state swept at random moments: every decision
   * equals the all-or-nothing harness's, and {@code cleanUp()} never removes a key whose state
   * still matters (some limit has a resetAfter left).
   *
   * <p>Not checked: that it removes every key whose state no longer matters. A multi-limit denial
   * currently extends a key's expiry to the resetAfter its admitting limits would have had after
   * taking the permits (see MemoryBackendTest in sluice-testkit), so a key can outlive its state.
   */
  @Property(tries = 500)
  void answersExactlyAsTheTransitionsWhateverIsExpired(
      @ForAll("twoKeysSeveralLimits") Scenario s) {
    ManualClock clock = new ManualClock(s.start());
    MemoryBackend backend = MemoryBackend.builder().clock(clock).build();
    RateLimiter limiter = RateLimiter.create(backend, s.limits());
    Harness[] keys = {new Harness(s.limits()), new Harness(s.limits())};
    s.run((now, k, key, cleanUp) -> {
      clock.setMicros(now);
      if (cleanUp) {
        backend.cleanUp();
        long live = 0;
        for (Harness h : keys) {
          long ttl = 0;
          for (Outcome o : h.evaluate(now, 0)) {
            ttl = Math.max(ttl, o.resetAfter);
          }
          live += ttl > 0 ? 1 : 0;
        }
        assertThat(backend.size()).as("keys stored after cleanUp at %d µs", now)
            .isGreaterThanOrEqualTo(live);
      }
      Decision d = limiter.tryAcquire("key" + key, k);
      assertThat(d).as("key%d at %d µs, %d permits", key, now, k)
          .isEqualTo(keys[key].acquire(now, k));
      return d.retryAfterMicros();
    });
    backend.close();
  }

  @Provide
  Arbitrary<OpScenario> twoKeysSeveralLimitsEveryOperation() {
    return OpScenario.of(Scenario.limits(Algorithm.values()).list().ofMinSize(1).ofMaxSize(3), 2,
        false);
  }

  /**
   * Reserve, refund and reset mixed with acquire on two keys, with expired state swept at random
   * moments: every answer (decision and wait) equals the harness's, and after a sweep the store
   * holds exactly the keys whose state still matters: a refund that leaves no state drops its
   * key, a reset drops it, and a refund of a key without state creates nothing.
   */
  @Property(tries = 500)
  void reserveRefundAndResetAnswerExactlyAsTheTransitions(
      @ForAll("twoKeysSeveralLimitsEveryOperation") OpScenario s) {
    ManualClock clock = new ManualClock(s.start());
    MemoryBackend backend = MemoryBackend.builder().clock(clock).build();
    KeyedLimits limits = backend.open(s.limits());
    Harness[] keys = {new Harness(s.limits()), new Harness(s.limits())};
    s.run((now, step) -> {
      clock.setMicros(now);
      if (step.cleanUp()) {
        backend.cleanUp();
        assertThat(backend.size()).as("keys stored after cleanUp at %d µs", now)
            .isEqualTo(live(keys, now));
      }
      String key = "key" + step.key();
      Harness h = keys[step.key()];
      String as = String.format("%s at %d µs: %s", key, now, step);
      return switch (step.op()) {
        case ACQUIRE -> {
          Decision d = limits.acquire(key, step.permits());
          assertThat(d).as(as).isEqualTo(h.acquire(now, step.permits()));
          yield d.retryAfterMicros();
        }
        case RESERVE -> {
          Reservation r = limits.reserve(key, step.permits(), step.maxWait());
          assertThat(r).as(as).isEqualTo(h.reserve(now, step.permits(), step.maxWait()));
          yield r.decision().allowed() ? r.waitMicros() : r.decision().retryAfterMicros();
        }
        case REFUND -> {
          Decision d = limits.refund(key, step.permits());
          assertThat(d).as(as).isEqualTo(h.refund(now, step.permits()));
          yield d.retryAfterMicros();
        }
        case RESET -> {
          limits.reset(key);
          h.reset();
          yield 0;
        }
      };
    });
    backend.close();
  }

  /** Keys whose state differs from "no state" at {@code now}: some limit has a resetAfter left. */
  private static long live(Harness[] keys, long now) {
    long live = 0;
    for (Harness h : keys) {
      long ttl = 0;
      for (Outcome o : h.evaluate(now, 0)) {
        ttl = Math.max(ttl, o.resetAfter);
      }
      live += ttl > 0 ? 1 : 0;
    }
    return live;
  }

  /**
   * (d) Denials and zero-permit checks change nothing: replaying only the requests that took
   * permits, at the same times, gives them the same decisions.
   */
  @Property(tries = 500)
  void requestsThatTookNothingLeaveNoTrace(@ForAll("twoKeysSeveralLimits") Scenario s) {
    record Call(long now, long permits, int key, boolean cleanUp, Decision decision) {}
    List<Call> calls = new ArrayList<>();
    ManualClock clock = new ManualClock(s.start());
    MemoryBackend all = MemoryBackend.builder().clock(clock).build();
    RateLimiter limiter = RateLimiter.create(all, s.limits());
    s.run((now, k, key, cleanUp) -> {
      clock.setMicros(now);
      if (cleanUp) {
        all.cleanUp();
      }
      Decision d = limiter.tryAcquire("key" + key, k);
      calls.add(new Call(now, k, key, cleanUp, d));
      return d.retryAfterMicros();
    });

    MemoryBackend takers = MemoryBackend.builder().clock(clock).build();
    RateLimiter replay = RateLimiter.create(takers, s.limits());
    for (Call c : calls) {
      if (c.decision().allowed() && c.permits() > 0) {
        clock.setMicros(c.now());
        if (c.cleanUp()) {
          takers.cleanUp();
        }
        assertThat(replay.tryAcquire("key" + c.key(), c.permits()))
            .as("replayed %s", c).isEqualTo(c.decision());
      }
    }
    all.close();
    takers.close();
  }
}
