package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.KeyContract;

class MemoryKeyContractTest extends KeyContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
