package dev.sluice;

import dev.sluice.spi.Backend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Limits how often one resource may be used (a downstream service, a job, a connection pool): a
 * {@link RateLimiter} without keys, for what Guava's and Resilience4j's limiters are used for.
 * Same limits, algorithms, backends and answers; thread-safe.
 *
 * <pre>{@code
 * ResourceLimiter payments = ResourceLimiter.inMemory(Limit.perSecond(50));
 * Decision d = payments.acquire(1, Duration.ofMillis(200)); // wait at most 200 ms
 * if (d.allowed()) { callPayments(); }
 * }</pre>
 *
 * @throws IllegalArgumentException from every method when permits or a wait is negative
 */
public interface ResourceLimiter {

  /** Takes one permit if every limit has room. */
  default Decision tryAcquire() {
    return tryAcquire(1);
  }

  /** Takes {@code permits} if every limit has room for them. */
  Decision tryAcquire(long permits);

  /** {@link #tryAcquire(long)} without blocking the caller on I/O (Redis backends). */
  CompletionStage<Decision> tryAcquireAsync(long permits);

  /** As {@link RateLimiter#acquire(String, long, Duration)}. */
  Decision acquire(long permits, Duration maxWait);

  /** As {@link RateLimiter#acquireAsync(String, long, Duration)}. */
  CompletionStage<Decision> acquireAsync(long permits, Duration maxWait);

  /** As {@link RateLimiter#refund(String, long)}. */
  Decision refund(long permits);

  /** As {@link RateLimiter#record(String, long)}. */
  Decision record(long permits);

  /** As {@link RateLimiter#recordAsync(String, long)}. */
  CompletionStage<Decision> recordAsync(long permits);

  /** As {@link RateLimiter#reset(String)}. */
  void reset();

  List<Limit> limits();

  /** The resource's name, also its key in a shared store. */
  String name();

  /** A limiter of one resource on its own in-memory state, using the system clock. */
  static ResourceLimiter inMemory(Limit first, Limit... more) {
    return RateLimiter.builder(first, more).buildForResource();
  }

  /**
   * A limiter of the resource {@code name} keeping its state in {@code backend}; on a shared store
   * every process using the same name and limits shares one allowance.
   */
  static ResourceLimiter create(Backend backend, String name, List<Limit> limits) {
    return RateLimiter.builder(limits).backend(backend).name(name).buildForResource();
  }
}
