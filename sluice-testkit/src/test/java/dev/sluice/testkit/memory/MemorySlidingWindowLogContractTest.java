package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.SlidingWindowLogContract;

class MemorySlidingWindowLogContractTest extends SlidingWindowLogContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
