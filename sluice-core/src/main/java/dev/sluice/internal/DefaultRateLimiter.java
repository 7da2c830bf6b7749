package dev.sluice.internal;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** Validates arguments once, here, for every backend, then delegates. */
public final class DefaultRateLimiter implements RateLimiter {
  private final List<Limit> limits;
  private final KeyedLimits keyed;

  public DefaultRateLimiter(Backend backend, List<Limit> limits) {
    Objects.requireNonNull(backend, "backend must not be null");
    Objects.requireNonNull(limits, "limits must not be null");
    if (limits.isEmpty()) {
      throw new IllegalArgumentException("limits must not be empty: give at least one Limit");
    }
    for (int i = 0; i < limits.size(); i++) {
      Objects.requireNonNull(limits.get(i), "limits[" + i + "] must not be null");
    }
    this.limits = List.copyOf(limits);
    this.keyed = backend.open(this.limits);
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

  @Override
  public Decision tryAcquire(String key, long permits) {
    check(key, permits);
    return keyed.acquire(key, permits);
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    check(key, permits);
    return keyed.acquireAsync(key, permits);
  }

  @Override
  public List<Limit> limits() {
    return limits;
  }

  static void check(String key, long permits) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (permits < 0) {
      throw new IllegalArgumentException("permits must be >= 0, was " + permits);
    }
  }

  @Override
  public String toString() {
    return "RateLimiter" + limits;
  }
}
