package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.FixedWindowContract;

class MemoryFixedWindowContractTest extends FixedWindowContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
