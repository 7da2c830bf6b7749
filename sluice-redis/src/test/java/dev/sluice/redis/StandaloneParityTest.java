package dev.sluice.redis;

import dev.sluice.testkit.redis.RedisStandalone;

/** {@link ParityContract} on one standalone server. */
class StandaloneParityTest extends ParityContract {
  private final RedisStandalone server;

  StandaloneParityTest(RedisStandalone server) {
    this.server = server;
  }

  @Override
  String uri() {
    return server.uri();
  }
}
