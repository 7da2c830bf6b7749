package dev.sluice.testkit.redis;

import java.util.List;

/**
 * One standalone {@code redis-server} on a free 127.0.0.1 port.
 *
 * <pre>{@code
 * try (RedisStandalone redis = RedisStandalone.start()) {
 *   String uri = redis.uri(); // redis://127.0.0.1:<port>
 * }
 * }</pre>
 */
public final class RedisStandalone implements AutoCloseable {

  private final RedisNode node;

  private RedisStandalone(RedisNode node) {
    this.node = node;
  }

  /** Starts a server and returns once it answers PING. */
  public static RedisStandalone start() {
    return new RedisStandalone(RedisNode.startServer("standalone", false, List.of()));
  }

  /** The server process, for {@link RedisNode#kill()}, {@link RedisNode#restart()} and commands. */
  public RedisNode node() {
    return node;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://" + node.address();
  }

  /** Deletes every key (between tests). */
  public void flushAll() {
    node.commands().flushall();
  }

  @Override
  public void close() {
    node.close();
  }

  @Override
  public String toString() {
    return "RedisStandalone[" + node.address() + "]";
  }
}
