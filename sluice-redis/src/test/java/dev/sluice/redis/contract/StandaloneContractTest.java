package dev.sluice.redis.contract;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.ContractSuite;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole contract suite (the classes the memory backend runs) against one standalone server,
 * shared by every test of the run; each test has a backend of its own.
 */
@ExtendWith(RealRedis.class)
class StandaloneContractTest extends ContractSuite {

  private final RedisStandalone server;

  StandaloneContractTest(RedisStandalone server) {
    this.server = server;
  }

  @Override
  protected BackendFixture fixture() {
    return new RedisFixture(server.uri());
  }
}
