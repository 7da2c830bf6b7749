package dev.sluice.testkit.memory;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.TokenBucketContract;

class MemoryTokenBucketContractTest extends TokenBucketContract {

  @Override
  protected BackendFixture createFixture() {
    return new MemoryFixture();
  }
}
