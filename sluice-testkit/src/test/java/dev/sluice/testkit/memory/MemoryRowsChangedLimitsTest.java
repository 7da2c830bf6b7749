package dev.sluice.testkit.memory;

import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.ChangedLimitsContract;

/**
 * {@link ChangedLimitsContract} on the memory backend's rows only (no packed words): the
 * transitions' {@code carry} and {@code adopt}, where {@link MemoryContractTest} moves single
 * limits by the packed words.
 */
class MemoryRowsChangedLimitsTest extends ChangedLimitsContract {

  @Override
  protected BackendFixture createFixture() {
    ManualClock clock = new ManualClock();
    MemoryBackend backend = MemoryBackend.builder().clock(clock).packedState(false).build();
    return new BackendFixture() {
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
    };
  }
}
