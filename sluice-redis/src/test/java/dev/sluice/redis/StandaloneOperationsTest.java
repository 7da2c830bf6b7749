package dev.sluice.redis;

import dev.sluice.testkit.redis.RedisNode;
import dev.sluice.testkit.redis.RedisStandalone;

/** {@link OperationsContract} on one standalone server. */
class StandaloneOperationsTest extends OperationsContract {
  private final RedisStandalone server;

  StandaloneOperationsTest(RedisStandalone server) {
    this.server = server;
  }

  @Override
  String uri() {
    return server.uri();
  }

  @Override
  RedisNode nodeOf(String redisKey) {
    return server.node();
  }
}
