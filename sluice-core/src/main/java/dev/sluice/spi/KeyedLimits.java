package dev.sluice.spi;

import dev.sluice.Decision;
import java.util.concurrent.CompletionStage;

/**
 * One set of limits applied to many keys. Implementations evaluate every limit of a key in one
 * atomic step, all-or-nothing, and never over-admit.
 *
 * <p>Arguments arrive validated by the caller: a non-empty key and {@code permits >= 0}.
 */
public interface KeyedLimits {

  /** Evaluates and, if every limit admits, takes {@code permits} for {@code key}. */
  Decision acquire(String key, long permits);

  /** The same, without blocking on I/O. */
  CompletionStage<Decision> acquireAsync(String key, long permits);

  /**
   * Takes as many permits as the key can give now, at most {@code maxPermits}, in one atomic step:
   * {@code taken = min(maxPermits, available)}, where {@code available} is the largest number of
   * permits every limit of the key admits at this instant. All limits give the same {@code taken}
   * (all-or-nothing for that amount). See {@link Grant} for the decision reported.
   *
   * <p>{@code maxPermits == 0} takes nothing: the decision is a check when the key has room and
   * the one-permit denial when it has none (so a caller learns when the key frees). Used by the
   * eventually consistent mode to report hits that were already admitted elsewhere: the store
   * counts what still fits, and {@code maxPermits - taken} is the overshoot.
   */
  default Grant acquireUpTo(String key, long maxPermits) {
    return acquireUpToAsync(key, maxPermits).toCompletableFuture().join();
  }

  /** {@link #acquireUpTo(String, long)} without blocking on I/O. */
  CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits);
}
