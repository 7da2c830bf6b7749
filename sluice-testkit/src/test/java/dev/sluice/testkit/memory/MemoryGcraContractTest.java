package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.GcraContract;

class MemoryGcraContractTest extends GcraContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
