package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.ContractSuite;

/** The whole contract suite against {@link dev.sluice.memory.MemoryBackend}. */
class MemoryContractTest extends ContractSuite {

  @Override
  protected BackendFixture fixture() {
    return new MemoryFixture();
  }
}
