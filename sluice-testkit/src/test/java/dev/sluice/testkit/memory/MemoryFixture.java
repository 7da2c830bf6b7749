package dev.sluice.testkit.memory;

import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.testkit.contract.BackendFixture;

/** A fresh {@link MemoryBackend} on a manual clock. */
final class MemoryFixture implements BackendFixture {
  private final ManualClock clock = new ManualClock();
  private final MemoryBackend backend = MemoryBackend.builder().clock(clock).build();

  @Override
  public ManualClock clock() {
    return clock;
  }

  @Override
  public MemoryBackend backend() {
    return backend;
  }

  @Override
  public void close() {
    backend.close();
  }
}
