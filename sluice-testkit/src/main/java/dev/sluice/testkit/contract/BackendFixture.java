package dev.sluice.testkit.contract;

import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.Sleeper;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import java.util.List;

/**
 * What a backend supplies to run the contract suite: limiters on the backend under test, all
 * reading time from one {@link ManualClock}.
 *
 * <p>The suite creates one fixture per test (see {@link AbstractContract#createFixture()}), sets
 * and advances its clock, and closes it after the test. The backend must take the time of every
 * decision from {@link #clock()} at the moment of the call (a Redis backend passes it explicitly to
 * its scripts), never from the system clock. Every test uses keys no other test uses, so a fixture
 * may share a long-lived backend (one Redis server) between tests: {@link #close()} need only
 * release what the fixture itself opened.
 */
public interface BackendFixture extends AutoCloseable {

  /**
   * The clock the backend reads. The suite sets it to {@link AbstractContract#T0} before each test
   * and moves it forward only, except to start a fresh key.
   */
  ManualClock clock();

  /** The backend under test, reading time from {@link #clock()}. */
  Backend backend();

  /**
   * A limiter applying {@code limits} (non-empty) to every key, all-or-nothing, on the backend
   * under test. May be called several times per test; limiters need not share state.
   */
  default RateLimiter limiter(List<Limit> limits) {
    return RateLimiter.create(backend(), limits);
  }

  /**
   * {@link #limiter(List)} waiting through {@code sleeper} (the contracts of waiting pass a {@link
   * dev.sluice.ManualSleeper} on {@link #clock()}, so a wait moves the clock instead of the test
   * sleeping).
   */
  default RateLimiter limiter(List<Limit> limits, Sleeper sleeper) {
    return RateLimiter.builder(limits).backend(backend()).sleeper(sleeper).build();
  }

  /**
   * The backend's own evaluator for {@code limits} (what {@link #limiter} wraps), for the
   * contracts of the SPI itself ({@link TakeUpToContract}). Arguments reach it validated.
   */
  default KeyedLimits keyedLimits(List<Limit> limits) {
    return backend().open(limits);
  }

  /** Releases what this fixture opened; by default nothing. */
  @Override
  default void close() {}
}
