package dev.sluice.redis.contract;

import dev.sluice.testkit.contract.BackendFixture;
import dev.sluice.testkit.contract.ConcurrencyContract;
import dev.sluice.testkit.contract.FixedWindowContract;
import dev.sluice.testkit.contract.GcraContract;
import dev.sluice.testkit.contract.KeyContract;
import dev.sluice.testkit.contract.MultiLimitContract;
import dev.sluice.testkit.contract.SlidingWindowCounterContract;
import dev.sluice.testkit.contract.SlidingWindowLogContract;
import dev.sluice.testkit.contract.TokenBucketContract;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole contract suite (the classes the memory backend runs) against one standalone server,
 * shared by every test of the run: one nested class per contract class, each test with a backend
 * of its own. {@link ContractCoverageTest} checks that no contract class is missing here.
 */
@ExtendWith(RealRedis.class)
class StandaloneContractTest {

  private final RedisStandalone server;

  StandaloneContractTest(RedisStandalone server) {
    this.server = server;
  }

  BackendFixture fixture() {
    return new RedisFixture(server.uri());
  }

  @Nested
  class TokenBucket extends TokenBucketContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class Gcra extends GcraContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class FixedWindow extends FixedWindowContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class SlidingWindowCounter extends SlidingWindowCounterContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class SlidingWindowLog extends SlidingWindowLogContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class MultiLimit extends MultiLimitContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class Key extends KeyContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }

  @Nested
  class Concurrency extends ConcurrencyContract {
    @Override
    protected BackendFixture createFixture() {
      return fixture();
    }
  }
}
