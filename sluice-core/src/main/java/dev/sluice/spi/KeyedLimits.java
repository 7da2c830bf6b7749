package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Settlement;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One set of limits applied to many keys. Implementations evaluate every limit of a key in one
 * atomic step, all-or-nothing, and never over-admit.
 *
 * <p>Arguments arrive validated by the caller: a non-empty key, {@code permits >= 0} and {@code
 * maxWaitMicros >= 0}. The semantics of every operation, per algorithm, are in {@code
 * docs/algorithms.md}; the contract suite in {@code sluice-testkit} checks them.
 */
public interface KeyedLimits {

  /**
   * The limits applied, as given to {@link Backend#open}. With the key they identify the state;
   * an all-or-nothing acquisition ({@link Backend#acquireAllAsync}) orders its parts by them.
   */
  List<Limit> limits();

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

  /**
   * Takes {@code permits} now for use after a wait of at most {@code maxWaitMicros}, in one atomic
   * step (Guava's reservation model: callers are served in the order they reserve).
   *
   * <p>Token bucket and GCRA may go into debt: the request is admitted when the time until its
   * permits are due, {@code max(0, debt + permits × T - burst × T)}, is at most {@code
   * maxWaitMicros}; the permits are taken at once and later requests queue behind them. Window
   * algorithms (fixed window, sliding window log, sliding window counter) cannot hold capacity of
   * a window that has not started: they admit only what fits now (wait 0) and otherwise deny, with
   * the usual {@code retryAfter}. With several limits, the request is admitted when every limit
   * admits it, and the wait is the longest of theirs. A denial takes nothing.
   *
   * <p>{@code maxWaitMicros == 0} is exactly {@link #acquire}. Waits too long for exact arithmetic
   * (beyond 2^52 µs of debt, or more permits in debt than {@code 2^53 / count}) are denied as if
   * they exceeded {@code maxWaitMicros}.
   */
  default Reservation reserve(String key, long permits, long maxWaitMicros) {
    return reserveAsync(key, permits, maxWaitMicros).toCompletableFuture().join();
  }

  /** {@link #reserve(String, long, long)} without blocking on I/O. */
  CompletionStage<Reservation> reserveAsync(String key, long permits, long maxWaitMicros);

  /**
   * Takes {@code permits} past the limit (usage counted after the fact: work already done, whose
   * cost is known only now): every limit of {@code key} records them in one atomic step whether or
   * not it had room. Returns the decision after: allowed when every limit had room for them (then
   * exactly {@link #acquire}'s admission), otherwise denied with remaining 0 and the {@code
   * retryAfter} of a one-permit request afterwards. Per algorithm: token bucket and GCRA go into
   * debt (later requests wait until it is paid off), at most until the permits in debt are due
   * {@link dev.sluice.internal.Transition#maxWaitMicros() maxWait} from now (the rest is not
   * recorded); fixed window and sliding window counter count past the limit in the current window
   * and the sliding window log logs the permits at now, each window holding at most twice the
   * count (the rest is not recorded). {@code permits == 0} is a check, as {@code acquire(key, 0)}.
   * See {@code docs/algorithms.md}.
   */
  default Decision record(String key, long permits) {
    return recordAsync(key, permits).toCompletableFuture().join();
  }

  /**
   * {@link #record(String, long)} without blocking on I/O. The default fails with {@link
   * UnsupportedOperationException}: a store must implement it to count past the limit.
   */
  default CompletionStage<Decision> recordAsync(String key, long permits) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not record permits past the limit"));
  }

  /**
   * Gives {@code permits} back to every limit of {@code key} (a call that was admitted but did not
   * happen, or a waiter that gave up), never beyond what the limit holds when full. Per algorithm:
   * token bucket and GCRA move the bucket forward by {@code permits} emission intervals, at most
   * to full; fixed window and sliding window counter subtract from the current window's count, at
   * least to zero (permits counted in an earlier window are not returned); the sliding window log
   * drops the newest entries still in the window, up to {@code permits}. A key without state is
   * left without state (a documented no-op). Returns the zero-permit check of the key afterwards.
   */
  default Decision refund(String key, long permits) {
    return refundAsync(key, permits).toCompletableFuture().join();
  }

  /** {@link #refund(String, long)} without blocking on I/O. */
  CompletionStage<Decision> refundAsync(String key, long permits);

  /**
   * Takes {@code permits} as {@link #acquire} does and, when every limit admits, keeps a hold
   * {@code holdId} on {@code key} for {@code timeoutMicros}, in one atomic step. A denial holds
   * nothing. The hold is settled at most once by {@link #settleAsync}; one never settled expires
   * after its timeout and counts at its estimate (nothing is given back or taken). {@code holdId}
   * is the caller's (unique, non-empty); {@code timeoutMicros > 0}.
   *
   * <p>The default fails with {@link UnsupportedOperationException}: a store keeps its holds
   * itself (in process with {@link Holds}, in Redis as one key per hold).
   */
  default CompletionStage<Decision> holdAsync(String key, String holdId, long permits,
      long timeoutMicros) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not hold permits"));
  }

  /**
   * Settles hold {@code holdId} of {@code key} at {@code actual >= 0} permits, at most once, in
   * one atomic step with the adjustment: {@code actual < estimate} refunds the difference ({@link
   * #refund}), {@code actual > estimate} records it past the limit ({@link #record}), equal changes
   * nothing. A hold unknown here (never held, expired) or already settled changes nothing and is
   * answered with that {@link Settlement.Status} and the key's zero-permit check.
   *
   * <p>The default fails with {@link UnsupportedOperationException}.
   */
  default CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not hold permits"));
  }

  /** Forgets {@code key}'s state under these limits: its next request sees full limits. */
  default void reset(String key) {
    resetAsync(key).toCompletableFuture().join();
  }

  /** {@link #reset(String)} without blocking on I/O. */
  CompletionStage<Void> resetAsync(String key);
}
