package dev.sluice;

import dev.sluice.internal.DefaultRateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Limits how often each key (a user, an IP, an API key, a route...) may act.
 *
 * <p>A limiter holds one or more {@link Limit}s applied together to every key, all-or-nothing: a
 * request is admitted only if every limit has room, and then takes its permits from all of them;
 * if any denies, none is consumed. Thread-safe.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.inMemory(Limit.parseAll("10/second;1000/day"));
 * Decision d = limiter.tryAcquire("user:42");
 * if (!d.allowed()) { respond429(d.retryAfter()); }
 * }</pre>
 *
 * <p>{@code permits == 0} checks without consuming. Permits larger than a limit can ever hold are
 * denied with {@link Decision.Reason#PERMITS_EXCEED_CAPACITY}.
 *
 * @throws NullPointerException from every method when the key is null
 * @throws IllegalArgumentException from every method when the key is empty or permits negative
 */
public interface RateLimiter {

  /** Takes one permit for {@code key} if every limit has room. */
  default Decision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /** Takes {@code permits} for {@code key} if every limit has room for them. */
  Decision tryAcquire(String key, long permits);

  /** {@link #tryAcquire(String, long)} without blocking the caller on I/O (Redis backends). */
  CompletionStage<Decision> tryAcquireAsync(String key, long permits);

  /** {@link #tryAcquireAsync(String, long)} for one permit. */
  default CompletionStage<Decision> tryAcquireAsync(String key) {
    return tryAcquireAsync(key, 1);
  }

  /** The limits applied to every key, in the order given. */
  List<Limit> limits();

  /** A limiter on its own bounded in-memory store, using the system clock. */
  static RateLimiter inMemory(List<Limit> limits) {
    return create(MemoryBackend.create(), limits);
  }

  /** A limiter on its own bounded in-memory store, using the system clock. */
  static RateLimiter inMemory(Limit first, Limit... more) {
    return inMemory(DefaultRateLimiter.list(first, more));
  }

  /** A limiter keeping its state in {@code backend} (memory, Redis, ...). */
  static RateLimiter create(Backend backend, List<Limit> limits) {
    return new DefaultRateLimiter(backend, limits);
  }
}
