package dev.sluice;

import dev.sluice.internal.DefaultRateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Limits how often each key (a user, an IP, an API key, a route...) may act.
 *
 * <p>A limiter holds one or more {@link Limit}s applied together to every key, all-or-nothing: a
 * request is admitted only if every limit has room, and then takes its permits from all of them;
 * if any denies, none is consumed. Thread-safe. To protect one resource without keys (a
 * downstream service, a batch job), use {@link ResourceLimiter}.
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
 * @throws IllegalArgumentException from every method when the key is empty, permits negative or a
 *     wait negative
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

  /**
   * Takes {@code permits} for {@code key}, waiting up to {@code maxWait} for them. Waiters are
   * served in the order they arrive: each reserves its permits at once and then sleeps until they
   * are due (token bucket, GCRA); window algorithms cannot reserve a window that has not started,
   * so their waiters sleep until the {@code retryAfter} of a denial and try again (see {@code
   * docs/algorithms.md}). Returns at once with the denial when the wait would exceed {@code
   * maxWait}; returns the admission when the permits are due.
   *
   * <p>Interrupted while waiting, the caller takes nothing (the reserved permits are given back),
   * keeps its interrupt flag and gets a denial with reason {@link Decision.Reason#INTERRUPTED}.
   */
  Decision acquire(String key, long permits, Duration maxWait);

  /**
   * {@link #acquire(String, long, Duration)} without blocking: the stage completes when the
   * permits are due, on the limiter's {@link Sleeper} (no thread is parked per waiter).
   */
  CompletionStage<Decision> acquireAsync(String key, long permits, Duration maxWait);

  /**
   * Gives {@code permits} back to {@code key} under every limit (a call that was admitted but not
   * made), never above what a limit holds when full; a key without state is left as it is.
   * Returns the key's state afterwards, as a zero-permit check. Per algorithm: {@code
   * docs/algorithms.md}.
   */
  Decision refund(String key, long permits);

  /**
   * Takes {@code permits} for {@code key} past the limit: usage counted after the fact (work
   * already done, whose cost is known only now), recorded under every limit in one atomic step
   * whether or not the key had room. Returns the decision after it: allowed when the key had room
   * for them, otherwise denied with remaining 0 and the wait until a one-permit request would be
   * admitted. Buckets go into debt (later requests wait until it is paid off), windows count past
   * their count; each within a bound that keeps the arithmetic exact, the permits beyond it not
   * recorded. Per algorithm: {@code docs/algorithms.md}. The listener hears it as a decision.
   */
  default Decision record(String key, long permits) {
    return recordAsync(key, permits).toCompletableFuture().join();
  }

  /**
   * {@link #record(String, long)} without blocking the caller on I/O. The default (for limiters
   * not built by {@link #builder}) fails with {@link UnsupportedOperationException}.
   */
  default CompletionStage<Decision> recordAsync(String key, long permits) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not record permits past the limit"));
  }

  /**
   * Holds an estimated cost before the work: {@code estimate} permits are taken for {@code key}
   * as {@link #tryAcquire(String, long)} takes them (admitted or refused like any request) and,
   * when admitted, kept as a hold with an unguessable id until {@link #settle(Hold, long)} gives
   * the actual cost, or until {@code timeout} passes: a hold never settled counts at its
   * estimate. Not to be confused with {@link #acquire(String, long, Duration)}, which waits for
   * permits. The model and worked examples: {@code docs/quotas.md}.
   *
   * @throws IllegalArgumentException for a negative estimate or a timeout not positive
   */
  default Hold hold(String key, long estimate, Duration timeout) {
    return holdAsync(key, estimate, timeout).toCompletableFuture().join();
  }

  /**
   * {@link #hold(String, long, Duration)} without blocking the caller on I/O. The default (for
   * limiters not built by {@link #builder}) fails with {@link UnsupportedOperationException}.
   */
  default CompletionStage<Hold> holdAsync(String key, long estimate, Duration timeout) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not hold permits"));
  }

  /**
   * Settles {@code hold} at its actual cost, at most once: less than the estimate refunds the
   * difference, more takes the difference past the limit (as {@link #record}: a bucket goes into
   * debt, later requests wait until it is paid off), equal changes nothing. Settling a hold that
   * is unknown, expired or already settled changes nothing and says so ({@link
   * Settlement#status()}); usage is never reset by it.
   *
   * @throws IllegalArgumentException for a negative {@code actual}, or a hold not {@link
   *     Hold#held() held}
   */
  default Settlement settle(Hold hold, long actual) {
    if (!hold.held()) {
      throw new IllegalArgumentException("nothing to settle: the hold was not held ("
          + hold.decision().reason() + ")");
    }
    return settle(hold.key(), hold.id(), actual);
  }

  /** Settles hold {@code holdId} of {@code key}, as {@link #settle(Hold, long)}. */
  default Settlement settle(String key, String holdId, long actual) {
    return settleAsync(key, holdId, actual).toCompletableFuture().join();
  }

  /**
   * {@link #settle(String, String, long)} without blocking the caller on I/O. The default fails
   * with {@link UnsupportedOperationException}.
   */
  default CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not hold permits"));
  }

  /** Forgets {@code key}: its next request sees every limit full. */
  void reset(String key);

  /** The limits applied to every key, in the order given. */
  List<Limit> limits();

  /** This limiter's name, as reported to its {@link LimiterListener} ("default" unless named). */
  String name();

  /**
   * One part of an all-or-nothing acquisition ({@link #tryAcquireAll}): {@code permits} for {@code
   * key} under {@code limiter}'s limits.
   *
   * @param limiter a limiter built by {@link #builder} (or {@link #create}, {@link #inMemory})
   * @param key the key, non-empty
   * @param permits the permits to take, {@code >= 0}
   */
  record Acquisition(RateLimiter limiter, String key, long permits) {
    public Acquisition {
      Objects.requireNonNull(limiter, "limiter must not be null");
    }
  }

  /**
   * Takes every acquisition's permits, or none: admitted only if each has room under its
   * limiter's limits, and a refusal takes nothing from any of them. Returns one decision per
   * acquisition, in order; the request was admitted exactly when every decision is allowed. When
   * refused, each acquisition without room reports its denial (its exact {@code retryAfter}) and
   * the others their state without the permits (a zero-permit check).
   *
   * <p>On one backend, the backend decides how ({@link Backend#acquireAllAsync}): the in-memory
   * store and eventual mode take the parts one after another in a fixed order and give back what
   * was taken on a refusal (never over-admitting, briefly under-admitting while permits are
   * given back); Redis runs one atomic script when the keys share a node. Limiters on different
   * backends are combined the same compensating way. Each limiter's listener hears its part: the
   * permits when taken or refused, 0 (a check) for a part reported without them.
   *
   * @throws IllegalArgumentException when {@code acquisitions} is empty, a key is empty, permits
   *     are negative or a limiter was not built by this library's builder
   */
  static CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquisition> acquisitions) {
    return DefaultRateLimiter.acquireAll(acquisitions);
  }

  /** {@link #tryAcquireAllAsync(List)}, waiting for the answer. */
  static List<Decision> tryAcquireAll(List<Acquisition> acquisitions) {
    return tryAcquireAllAsync(acquisitions).toCompletableFuture().join();
  }

  /** A limiter on its own bounded in-memory store, using the system clock. */
  static RateLimiter inMemory(List<Limit> limits) {
    return builder(limits).build();
  }

  /** A limiter on its own bounded in-memory store, using the system clock. */
  static RateLimiter inMemory(Limit first, Limit... more) {
    return inMemory(DefaultRateLimiter.list(first, more));
  }

  /** A limiter keeping its state in {@code backend} (memory, Redis, ...). */
  static RateLimiter create(Backend backend, List<Limit> limits) {
    return builder(limits).backend(backend).build();
  }

  /** A limiter (or a {@link ResourceLimiter}) with every setting chosen. */
  static Builder builder(List<Limit> limits) {
    return new Builder(limits);
  }

  /** {@link #builder(List)} for {@code first} followed by {@code more}. */
  static Builder builder(Limit first, Limit... more) {
    return new Builder(DefaultRateLimiter.list(first, more));
  }

  /** Settings of a limiter; each is validated when set. */
  final class Builder {
    private final List<Limit> limits;
    private @Nullable Backend backend;
    private String name = "default";
    private @Nullable LimiterListener listener;
    private Sleeper sleeper = Sleeper.system();
    private @Nullable RateLimiter predecessor;

    private Builder(List<Limit> limits) {
      this.limits = DefaultRateLimiter.validated(limits);
    }

    /** Where state lives (default: a new {@link MemoryBackend} on the system clock). */
    public Builder backend(Backend backend) {
      this.backend = Objects.requireNonNull(backend, "backend must not be null");
      return this;
    }

    /**
     * The limiter's name, for metrics (default "default"). A {@link ResourceLimiter} also uses it
     * as its key in a shared store: resource limiters with the same name and limits on one Redis
     * share their state.
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name must not be null");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("name must not be empty");
      }
      this.name = name;
      return this;
    }

    /** Hears every decision, wait, refund and reset (default: none, at no cost). */
    public Builder listener(LimiterListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    /** How waits happen (default {@link Sleeper#system()}); tests pass a {@link ManualSleeper}. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper must not be null");
      return this;
    }

    /**
     * The limiter these limits replace (for example the old limits of a rule a reload changed):
     * every key keeps what it used under it instead of starting fresh. A key's state moves over,
     * converted per algorithm, the first time the new limiter touches the key, for as long as the
     * predecessor's states can matter (about its longest period); limit i takes from the
     * predecessor's limit i when both have the same algorithm, otherwise it starts fresh. See
     * {@code docs/algorithms.md}, "Changed limits". The predecessor must have been built on the
     * same {@link #backend(Backend) backend}; it should not be used any more (what it takes after
     * a key moved is not carried). Default: none, every key starts fresh.
     */
    public Builder predecessor(RateLimiter predecessor) {
      this.predecessor = Objects.requireNonNull(predecessor, "predecessor must not be null");
      return this;
    }

    /**
     * A limiter of many keys.
     *
     * @throws IllegalArgumentException when the {@link #predecessor(RateLimiter) predecessor} was
     *     built on another backend
     */
    public RateLimiter build() {
      return new DefaultRateLimiter(backendOrDefault(), limits, name, listener, sleeper,
          predecessor);
    }

    /** A limiter of one resource, named (and keyed) by {@link #name(String)}. */
    public ResourceLimiter buildForResource() {
      return new DefaultRateLimiter(backendOrDefault(), limits, name, listener, sleeper,
          predecessor).forResource(name);
    }

    private Backend backendOrDefault() {
      return backend != null ? backend : MemoryBackend.create();
    }
  }
}
