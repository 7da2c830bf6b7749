package dev.sluice.testkit.memory;

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
    return new MemoryFixture(false);
  }
}
