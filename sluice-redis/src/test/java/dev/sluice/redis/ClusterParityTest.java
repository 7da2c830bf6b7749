package dev.sluice.redis;

import dev.sluice.testkit.redis.RedisCluster;

/** {@link ParityContract} on the six-node Cluster (keys spread over all three masters). */
class ClusterParityTest extends ParityContract {
  private final RedisCluster cluster;

  ClusterParityTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @Override
  String uri() {
    return cluster.uri();
  }
}
