package dev.sluice.bench.distributed;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The global store as the fleet sees it: one exact in-memory store shared by every instance (as
 * Redis is: equal limits share state), behind a network of fixed one-way {@code delay}. A sync
 * call (a take-up-to or a refund) reaches the store {@code delay} after it is sent, is applied
 * there at that time, and its reply arrives {@code delay} later; calls sent at once reach it in the
 * order sent. Counts the calls.
 */
final class DelayedStore implements Backend {

  private final MemoryBackend store;
  private final EventQueue events;
  private final long delayMicros;
  private final Map<List<Limit>, KeyedLimits> shared = new HashMap<>();
  long calls;

  DelayedStore(MemoryBackend store, EventQueue events, long delayMicros) {
    this.store = store;
    this.events = events;
    this.delayMicros = delayMicros;
  }

  @Override
  public KeyedLimits open(List<Limit> limits) {
    KeyedLimits real = shared.computeIfAbsent(List.copyOf(limits), store::open);
    return new KeyedLimits() {
      @Override
      public List<Limit> limits() {
        return limits;
      }

      @Override
      public Decision acquire(String key, long permits) {
        // A direct decision (a first sight or a stale view with FirstSight.SYNC, a key short of
        // its lease that the store had room for): answered at once, as if its round trip took no
        // time (it adds latency to that request, not overshoot).
        calls++;
        return real.acquire(key, permits);
      }

      @Override
      public CompletionStage<Decision> acquireAsync(String key, long permits) {
        return CompletableFuture.completedFuture(acquire(key, permits));
      }

      @Override
      public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
        calls++;
        CompletableFuture<Grant> reply = new CompletableFuture<>();
        events.at(events.now() + delayMicros, () -> {
          Grant g = real.acquireUpTo(key, maxPermits);
          events.at(events.now() + delayMicros, () -> reply.complete(g));
        });
        return reply;
      }

      @Override
      public CompletionStage<Decision> refundAsync(String key, long permits) {
        calls++;
        CompletableFuture<Decision> reply = new CompletableFuture<>();
        events.at(events.now() + delayMicros, () -> {
          Decision d = real.refund(key, permits);
          events.at(events.now() + delayMicros, () -> reply.complete(d));
        });
        return reply;
      }

      // The simulation reserves and resets nothing: answered at once, uncounted.
      @Override
      public CompletionStage<Reservation> reserveAsync(String key, long permits, long maxWait) {
        return real.reserveAsync(key, permits, maxWait);
      }

      @Override
      public CompletionStage<Void> resetAsync(String key) {
        return real.resetAsync(key);
      }
    };
  }

  @Override
  public void close() {
    store.close();
  }
}
