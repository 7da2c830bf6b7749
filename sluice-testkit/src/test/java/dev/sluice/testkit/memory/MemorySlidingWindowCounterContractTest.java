package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.SlidingWindowCounterContract;

class MemorySlidingWindowCounterContractTest extends SlidingWindowCounterContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
