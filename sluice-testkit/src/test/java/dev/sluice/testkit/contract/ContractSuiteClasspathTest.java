package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A third-party backend that runs the contract suite gets only Sluice's core, JUnit and AssertJ:
 * no Redis client, no packaged {@code redis-server} and no process harness.
 */
class ContractSuiteClasspathTest {

  @Test
  void theSuiteBringsNoRedisClientBinaryOrHarness() {
    ClassLoader loader = ContractSuite.class.getClassLoader();
    List<String> absent = List.of(
        "io/lettuce/core/RedisClient.class",
        "redis/embedded/RedisServer.class",
        "dev/sluice/testkit/redis/RedisNode.class");
    assertThat(absent).allSatisfy(resource -> assertThat(loader.getResource(resource))
        .as("%s on the testkit's classpath", resource).isNull());
  }

  @Test
  void theSuiteItselfAndWhatItNeedsArePresent() {
    ClassLoader loader = ContractSuite.class.getClassLoader();
    assertThat(loader.getResource("dev/sluice/spi/Backend.class")).isNotNull();
    assertThat(loader.getResource("org/junit/jupiter/api/Test.class")).isNotNull();
    assertThat(loader.getResource("org/assertj/core/api/Assertions.class")).isNotNull();
  }
}
