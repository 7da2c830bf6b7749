package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.MultiLimitContract;

class MemoryMultiLimitContractTest extends MultiLimitContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
