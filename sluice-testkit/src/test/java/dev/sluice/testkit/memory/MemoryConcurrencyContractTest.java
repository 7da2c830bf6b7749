package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.ConcurrencyContract;

class MemoryConcurrencyContractTest extends ConcurrencyContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
