package dev.sluice.testkit.memory;

import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.testkit.contract.BackendFixture;

/** A fresh {@link MemoryBackend} on a manual clock. */
final class MemoryFixture implements BackendFixture {
  private final ManualClock clock = new ManualClock();
  private final MemoryBackend backend;

  MemoryFixture() {
    this(true);
  }

  /** With {@code packed} false, every key in a row (no packed words). */
  MemoryFixture(boolean packed) {
    this.backend = MemoryBackend.builder().clock(clock).packedState(packed).build();
  }

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
