package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.RecordContract;

/**
 * {@link RecordContract} on the memory backend's rows only (no packed words): the transitions'
 * {@code past}, where {@link MemoryContractTest} decides single limits by the packed words.
 */
class MemoryRowsRecordTest extends RecordContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture(false);
  }
}
