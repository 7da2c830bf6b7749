package dev.sluice.redis;

import dev.sluice.testkit.redis.RedisCluster;
import dev.sluice.testkit.redis.RedisNode;

/** {@link OperationsContract} on the six-node Cluster (a key's limits in its one slot). */
class ClusterOperationsTest extends OperationsContract {
  private final RedisCluster cluster;

  ClusterOperationsTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @Override
  String uri() {
    return cluster.uri();
  }

  @Override
  RedisNode nodeOf(String redisKey) {
    return cluster.masterOf(cluster.slotOf(redisKey));
  }
}
