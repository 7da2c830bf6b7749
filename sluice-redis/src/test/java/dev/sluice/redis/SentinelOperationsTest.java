package dev.sluice.redis;

import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisSentinel;

/** {@link OperationsContract} through Sentinel (master, replica, three sentinels). */
class SentinelOperationsTest extends OperationsContract {
  private final RedisSentinel group;

  SentinelOperationsTest(RedisSentinel group) {
    this.group = group;
  }

  @Override
  String uri() {
    return group.uri();
  }

  @Override
  RedisNode nodeOf(String redisKey) {
    return group.master();
  }
}
