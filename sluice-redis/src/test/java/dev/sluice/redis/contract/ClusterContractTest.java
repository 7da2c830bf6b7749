package dev.sluice.redis.contract;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.ContractSuite;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisCluster;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole contract suite (the classes the memory backend runs) against the six-node Cluster,
 * shared by every test of the run; each test has a backend of its own.
 */
@ExtendWith(RealRedis.class)
class ClusterContractTest extends ContractSuite {

  private final RedisCluster server;

  ClusterContractTest(RedisCluster server) {
    this.server = server;
  }

  @Override
  protected BackendFixture fixture() {
    return new RedisFixture(server.uri());
  }
}
