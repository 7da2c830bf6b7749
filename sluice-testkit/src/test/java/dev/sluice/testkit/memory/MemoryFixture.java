package dev.sluice.testkit.memory;

import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.testkit.contract.BackendFixture;
import java.util.List;

/** A fresh {@link MemoryBackend} on a manual clock. */
final class MemoryFixture implements BackendFixture {
  private final ManualClock clock = new ManualClock();
  private final MemoryBackend backend = MemoryBackend.builder().clock(clock).build();

  @Override
  public ManualClock clock() {
    return clock;
  }

  @Override
  public RateLimiter limiter(List<Limit> limits) {
    return RateLimiter.create(backend, limits);
  }

  @Override
  public KeyedLimits keyedLimits(List<Limit> limits) {
    return backend.open(limits);
  }

  @Override
  public void close() {
    backend.close();
  }
}
