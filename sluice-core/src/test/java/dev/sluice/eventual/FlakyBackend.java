package dev.sluice.eventual;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Settlement;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The global store of the tests: a {@link MemoryBackend} shared as Redis is (limiters with equal
 * limits share state, so several instances enforce one limit), which can go down: while {@link
 * #down}, syncs fail and decisions are answered as a Redis backend's failure policy answers them
 * (degraded; allowed when {@code failOpen}).
 */
final class FlakyBackend implements Backend {
  private final MemoryBackend store;
  private final boolean failOpen;
  private final Map<List<Limit>, KeyedLimits> shared = new ConcurrentHashMap<>();
  volatile boolean down;

  FlakyBackend(MemoryBackend store, boolean failOpen) {
    this.store = store;
    this.failOpen = failOpen;
  }

  @Override
  public KeyedLimits open(List<Limit> limits) {
    KeyedLimits real = shared.computeIfAbsent(List.copyOf(limits), store::open);
    Limit first = limits.get(0);
    return new KeyedLimits() {
      @Override
      public List<Limit> limits() {
        return limits;
      }

      @Override
      public Decision acquire(String key, long permits) {
        return down ? Decision.degraded(failOpen, Decision.Reason.BACKEND_UNAVAILABLE, first)
            : real.acquire(key, permits);
      }

      @Override
      public CompletionStage<Decision> acquireAsync(String key, long permits) {
        return CompletableFuture.completedFuture(acquire(key, permits));
      }

      @Override
      public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : real.acquireUpToAsync(key, maxPermits);
      }

      @Override
      public CompletionStage<Reservation> reserveAsync(String key, long permits, long maxWait) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : real.reserveAsync(key, permits, maxWait);
      }

      @Override
      public CompletionStage<Decision> refundAsync(String key, long permits) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : real.refundAsync(key, permits);
      }

      @Override
      public CompletionStage<Decision> recordAsync(String key, long permits) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : real.recordAsync(key, permits);
      }

      @Override
      public CompletionStage<Decision> holdAsync(String key, String holdId, long permits,
          long timeoutMicros) {
        return down ? CompletableFuture.completedFuture(
            Decision.degraded(failOpen, Decision.Reason.BACKEND_UNAVAILABLE, first))
            : real.holdAsync(key, holdId, permits, timeoutMicros);
      }

      @Override
      public CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : real.settleAsync(key, holdId, actual);
      }

      @Override
      public CompletionStage<Void> resetAsync(String key) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : real.resetAsync(key);
      }
    };
  }

  @Override
  public void close() {
    store.close();
  }
}
