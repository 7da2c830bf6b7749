package dev.sluice.internal;

import dev.sluice.Decision;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.ResourceLimiter;
import dev.sluice.Settlement;
import dev.sluice.Sleeper;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Part;
import dev.sluice.spi.Reservation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Validates arguments once, here, for every backend, then delegates; waits for reserved permits
 * and tells the listener.
 */
public final class DefaultRateLimiter implements RateLimiter {
  private final List<Limit> limits;
  private final Backend backend;
  private final KeyedLimits keyed;
  private final String name;
  private final @Nullable LimiterListener listener;
  private final Sleeper sleeper;

  public DefaultRateLimiter(Backend backend, List<Limit> limits) {
    this(backend, validated(limits), "default", null, Sleeper.system());
  }

  public DefaultRateLimiter(Backend backend, List<Limit> limits, String name,
      @Nullable LimiterListener listener, Sleeper sleeper) {
    this(backend, limits, name, listener, sleeper, null);
  }

  /**
   * With {@code predecessor} non-null, the keys keep what they used under it ({@link
   * Backend#open(List, KeyedLimits)}).
   *
   * @throws IllegalArgumentException when {@code predecessor} is not a limiter of {@code backend}
   */
  public DefaultRateLimiter(Backend backend, List<Limit> limits, String name,
      @Nullable LimiterListener listener, Sleeper sleeper, @Nullable RateLimiter predecessor) {
    this.backend = Objects.requireNonNull(backend, "backend must not be null");
    this.limits = validated(limits);
    this.name = Objects.requireNonNull(name, "name must not be null");
    this.listener = listener;
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper must not be null");
    if (predecessor == null) {
      this.keyed = backend.open(this.limits);
    } else if (predecessor instanceof DefaultRateLimiter from && from.backend == backend) {
      this.keyed = backend.open(this.limits, from.keyed);
    } else {
      throw new IllegalArgumentException(
          "the predecessor must be a limiter built on the same backend");
    }
  }

  /** An immutable copy of {@code limits}, rejecting null, empty and null elements. */
  public static List<Limit> validated(List<Limit> limits) {
    Objects.requireNonNull(limits, "limits must not be null");
    if (limits.isEmpty()) {
      throw new IllegalArgumentException("limits must not be empty: give at least one Limit");
    }
    for (int i = 0; i < limits.size(); i++) {
      Objects.requireNonNull(limits.get(i), "limits[" + i + "] must not be null");
    }
    return List.copyOf(limits);
  }

  /** {@code first} followed by {@code more}, rejecting nulls with a message. */
  public static List<Limit> list(Limit first, Limit... more) {
    Objects.requireNonNull(first, "limit must not be null");
    Objects.requireNonNull(more, "limits must not be null");
    List<Limit> all = new ArrayList<>(1 + more.length);
    all.add(first);
    for (int i = 0; i < more.length; i++) {
      all.add(Objects.requireNonNull(more[i], "limits[" + (i + 1) + "] must not be null"));
    }
    return all;
  }

  /** {@link RateLimiter#tryAcquireAllAsync}: validated here, decided by the backend. */
  public static CompletionStage<List<Decision>> acquireAll(
      List<RateLimiter.Acquisition> acquisitions) {
    Objects.requireNonNull(acquisitions, "acquisitions must not be null");
    if (acquisitions.isEmpty()) {
      throw new IllegalArgumentException("acquisitions must not be empty");
    }
    int n = acquisitions.size();
    DefaultRateLimiter[] limiters = new DefaultRateLimiter[n];
    List<Part> parts = new ArrayList<>(n);
    Backend shared = null;
    boolean oneBackend = true;
    for (int i = 0; i < n; i++) {
      RateLimiter.Acquisition a = Objects.requireNonNull(acquisitions.get(i),
          "acquisitions[" + i + "] must not be null");
      if (!(a.limiter() instanceof DefaultRateLimiter d)) {
        throw new IllegalArgumentException("acquisitions[" + i + "]: the limiter must be built"
            + " by RateLimiter.builder, was " + a.limiter().getClass().getName());
      }
      check(a.key(), a.permits());
      limiters[i] = d;
      parts.add(new Part(d.keyed, a.key(), a.permits()));
      if (shared == null) {
        shared = d.backend;
      } else if (shared != d.backend) {
        oneBackend = false;
      }
    }
    CompletionStage<List<Decision>> all = oneBackend
        ? Objects.requireNonNull(shared).acquireAllAsync(parts) : Compensation.perPart(parts);
    return all.thenApply(ds -> {
      boolean admitted = true;
      for (Decision d : ds) {
        admitted &= d.allowed();
      }
      for (int i = 0; i < n; i++) {
        DefaultRateLimiter l = limiters[i];
        Decision d = ds.get(i);
        if (l.listener != null) {
          l.listener.onDecision(l.name, admitted || !d.allowed() ? parts.get(i).permits() : 0, d);
        }
      }
      return ds;
    });
  }

  /** This limiter bound to the one key {@code resource}. */
  public ResourceLimiter forResource(String resource) {
    checkKey(resource);
    return new Resource(resource);
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    check(key, permits);
    return decide(key, permits);
  }

  /** A decision for a valid key and permits. */
  private Decision decide(String key, long permits) {
    Decision d = keyed.acquire(key, permits);
    if (listener != null) {
      listener.onDecision(name, permits, d);
    }
    return d;
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    check(key, permits);
    CompletionStage<Decision> d = keyed.acquireAsync(key, permits);
    return listener == null ? d : d.thenApply(decision -> told(permits, decision));
  }

  @Override
  public Decision acquire(String key, long permits, Duration maxWait) {
    check(key, permits);
    long budget = waitMicros(maxWait);
    long waited = 0;
    for (;;) {
      Reservation r = keyed.reserve(key, permits, budget - waited);
      Decision d = r.decision();
      long wait = d.allowed() ? r.waitMicros() : retryWithin(d, budget - waited);
      if (wait <= 0) { // admitted now, or refused for good
        return finished(permits, d, waited, d.allowed());
      }
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        // Give the reserved permits back before setting the flag again: a backend that waits
        // interruptibly (a Redis client's sync call) would otherwise refuse the refund.
        Decision gaveUp;
        try {
          gaveUp = d.allowed()
              ? Decision.interrupted(keyed.refund(key, permits), wait)
              : Decision.interrupted(d, wait);
        } finally {
          Thread.currentThread().interrupt();
        }
        return finished(permits, gaveUp, waited, false);
      }
      waited += wait;
      if (d.allowed()) {
        return finished(permits, d, waited, true);
      }
    }
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits, Duration maxWait) {
    check(key, permits);
    return acquireAsync(key, permits, waitMicros(maxWait), 0);
  }

  private CompletionStage<Decision> acquireAsync(String key, long permits, long budget,
      long waited) {
    return keyed.reserveAsync(key, permits, budget - waited).thenCompose(r -> {
      Decision d = r.decision();
      long wait = d.allowed() ? r.waitMicros() : retryWithin(d, budget - waited);
      if (wait <= 0) {
        return CompletableFuture.completedFuture(finished(permits, d, waited, d.allowed()));
      }
      CompletionStage<Void> due = sleeper.delay(wait);
      return d.allowed()
          ? due.thenApply(x -> finished(permits, d, waited + wait, true))
          : due.thenCompose(x -> acquireAsync(key, permits, budget, waited + wait));
    });
  }

  /** The wait before retrying a denial (window algorithms), or -1 when waiting cannot help. */
  private static long retryWithin(Decision denied, long budget) {
    long retry = denied.retryAfterMicros();
    return denied.reason() == Decision.Reason.LIMIT_EXCEEDED && !denied.degraded()
        && retry > 0 && retry <= budget ? retry : -1;
  }

  private Decision finished(long permits, Decision d, long waited, boolean granted) {
    if (listener != null) {
      if (waited > 0) {
        listener.onWait(name, waited, granted);
      }
      listener.onDecision(name, permits, d);
    }
    return d;
  }

  private Decision told(long permits, Decision d) {
    Objects.requireNonNull(listener).onDecision(name, permits, d);
    return d;
  }

  @Override
  public Decision refund(String key, long permits) {
    check(key, permits);
    Decision d = keyed.refund(key, permits);
    if (listener != null && permits > 0) {
      listener.onRefund(name, permits);
    }
    return d;
  }

  @Override
  public Decision record(String key, long permits) {
    check(key, permits);
    Decision d = keyed.record(key, permits);
    return listener == null ? d : told(permits, d);
  }

  @Override
  public CompletionStage<Decision> recordAsync(String key, long permits) {
    check(key, permits);
    CompletionStage<Decision> d = keyed.recordAsync(key, permits);
    return listener == null ? d : d.thenApply(decision -> told(permits, decision));
  }

  @Override
  public CompletionStage<Hold> holdAsync(String key, long estimate, Duration timeout) {
    check(key, estimate);
    long timeoutMicros = waitMicros(timeout);
    if (timeoutMicros <= 0) {
      throw new IllegalArgumentException("timeout must be at least 1 µs, was " + timeout);
    }
    String id = HoldIds.next();
    return keyed.holdAsync(key, id, estimate, timeoutMicros).thenApply(d -> {
      if (listener != null) {
        told(estimate, d);
      }
      return new Hold(key, d.allowed() && !d.degraded() ? id : null, estimate, d);
    });
  }

  @Override
  public CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
    checkKey(key);
    Objects.requireNonNull(holdId, "holdId must not be null");
    if (holdId.isEmpty()) {
      throw new IllegalArgumentException("holdId must not be empty");
    }
    if (actual < 0) {
      throw new IllegalArgumentException("actual must be >= 0, was " + actual);
    }
    CompletionStage<Settlement> s = keyed.settleAsync(key, holdId, actual);
    return listener == null ? s : s.thenApply(this::told);
  }

  /** Tells the listener what a settle changed: a refund, or a decision past the limit. */
  private Settlement told(Settlement s) {
    LimiterListener l = Objects.requireNonNull(listener);
    if (s.settled() && s.actual() < s.estimate()) {
      l.onRefund(name, s.estimate() - s.actual());
    } else if (s.settled() && s.actual() > s.estimate()) {
      l.onDecision(name, s.actual() - s.estimate(), s.decision());
    }
    return s;
  }

  @Override
  public void reset(String key) {
    checkKey(key);
    keyed.reset(key);
    if (listener != null) {
      listener.onReset(name);
    }
  }

  @Override
  public List<Limit> limits() {
    return limits;
  }

  @Override
  public String name() {
    return name;
  }

  static void check(String key, long permits) {
    checkKey(key);
    checkPermits(permits);
  }

  private static void checkKey(String key) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
  }

  private static void checkPermits(long permits) {
    if (permits < 0) {
      throw new IllegalArgumentException("permits must be >= 0, was " + permits);
    }
  }

  /** {@code maxWait} in whole microseconds, saturating; negative or null is refused. */
  private static long waitMicros(Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait must not be null");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
    }
    // Not toNanos(): it overflows beyond ~292 years, far below the saturation point.
    long seconds = maxWait.getSeconds();
    return seconds >= Long.MAX_VALUE / 1_000_000
        ? Long.MAX_VALUE : seconds * 1_000_000 + maxWait.getNano() / 1_000;
  }

  @Override
  public String toString() {
    return "RateLimiter[" + name + ", " + limits + "]";
  }

  /** The limiter bound to one key. */
  private final class Resource implements ResourceLimiter {
    private final String key;

    Resource(String key) {
      this.key = key;
    }

    @Override
    public Decision tryAcquire(long permits) {
      checkPermits(permits); // the key was checked once, when bound
      return decide(key, permits);
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(long permits) {
      return DefaultRateLimiter.this.tryAcquireAsync(key, permits);
    }

    @Override
    public Decision acquire(long permits, Duration maxWait) {
      return DefaultRateLimiter.this.acquire(key, permits, maxWait);
    }

    @Override
    public CompletionStage<Decision> acquireAsync(long permits, Duration maxWait) {
      return DefaultRateLimiter.this.acquireAsync(key, permits, maxWait);
    }

    @Override
    public Decision refund(long permits) {
      return DefaultRateLimiter.this.refund(key, permits);
    }

    @Override
    public Decision record(long permits) {
      return DefaultRateLimiter.this.record(key, permits);
    }

    @Override
    public CompletionStage<Decision> recordAsync(long permits) {
      return DefaultRateLimiter.this.recordAsync(key, permits);
    }

    @Override
    public void reset() {
      DefaultRateLimiter.this.reset(key);
    }

    @Override
    public List<Limit> limits() {
      return limits;
    }

    @Override
    public String name() {
      return key;
    }

    @Override
    public String toString() {
      return "ResourceLimiter[" + key + ", " + limits + "]";
    }
  }
}
