package dev.sluice.testkit.redis;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Sentinel group on 127.0.0.1: one master, one replica and three sentinels (quorum 2) watching
 * the master under the name {@link #MASTER_NAME}. Sentinels consider a silent master down after
 * {@link #DOWN_AFTER}, so {@code master().kill()} leads to a failover within a few seconds.
 */
public final class RedisSentinel implements AutoCloseable {

  /** The monitored master's name. */
  public static final String MASTER_NAME = "mymaster";
  /** {@code down-after-milliseconds}. */
  public static final Duration DOWN_AFTER = Duration.ofSeconds(1);

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisNode> dataNodes;
  private final List<RedisNode> sentinels;

  private RedisSentinel(List<RedisNode> dataNodes, List<RedisNode> sentinels) {
    this.dataNodes = dataNodes;
    this.sentinels = sentinels;
  }

  /** Starts master, replica and sentinels, and waits until every sentinel knows them all. */
  public static RedisSentinel start() {
    List<RedisNode> data = new ArrayList<>();
    List<RedisNode> sentinels = new ArrayList<>();
    try {
      RedisNode master = RedisNode.startServer("sentinel-master", false, List.of());
      data.add(master);
      RedisNode replica = RedisNode.startServer("sentinel-replica", false,
          List.of("--replicaof", master.host(), Integer.toString(master.port())));
      data.add(replica);
      RedisNode.await(READY_TIMEOUT, "replica to sync",
          () -> replica.commands().info("replication").contains("master_link_status:up"),
          replica::logTail);
      for (int i = 0; i < 3; i++) {
        sentinels.add(RedisNode.startSentinel("sentinel-" + i, List.of(
            "sentinel monitor " + MASTER_NAME + " " + master.host() + " " + master.port() + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER.toMillis(),
            "sentinel failover-timeout " + MASTER_NAME + " 5000",
            "sentinel parallel-syncs " + MASTER_NAME + " 1")));
      }
      RedisSentinel group = new RedisSentinel(List.copyOf(data), List.copyOf(sentinels));
      group.awaitReady();
      return group;
    } catch (RuntimeException e) {
      for (RedisNode n : sentinels) {
        n.close();
      }
      for (RedisNode n : data) {
        n.close();
      }
      throw e;
    }
  }

  /** Waits until every running sentinel sees the master, its replica and the other sentinels. */
  public void awaitReady() {
    awaitReady(READY_TIMEOUT);
  }

  /** {@link #awaitReady()} with a custom timeout. */
  public void awaitReady(Duration timeout) {
    RedisNode.await(timeout, "sentinels to agree on the master", () -> {
      for (RedisNode s : sentinels) {
        if (!s.isRunning()) {
          continue;
        }
        Map<String, String> m = masterState(s);
        if (!m.getOrDefault("flags", "").equals("master")
            || !m.getOrDefault("num-slaves", "0").equals("1")
            || !m.getOrDefault("num-other-sentinels", "0").equals("2")) {
          return false;
        }
      }
      return true;
    }, this::describe);
  }

  /** The data node currently master, as the first running sentinel reports it. */
  public RedisNode master() {
    for (RedisNode s : sentinels) {
      if (s.isRunning()) {
        SocketAddress reply = s.sentinelCommands().getMasterAddrByName(MASTER_NAME);
        if (reply instanceof InetSocketAddress addr) {
          for (RedisNode n : dataNodes) {
            if (n.port() == addr.getPort()) {
              return n;
            }
          }
        }
      }
    }
    throw new IllegalStateException("no sentinel knows the master\n" + describe());
  }

  /** Master and replica, in start order (roles change after a failover). */
  public List<RedisNode> dataNodes() {
    return dataNodes;
  }

  public List<RedisNode> sentinels() {
    return sentinels;
  }

  /** {@code redis-sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>#mymaster}. */
  public String uri() {
    return "redis-sentinel://" + sentinels.stream().map(RedisNode::address)
        .collect(Collectors.joining(",")) + "#" + MASTER_NAME;
  }

  @Override
  public void close() {
    for (RedisNode n : sentinels) {
      n.close();
    }
    for (RedisNode n : dataNodes) {
      n.close();
    }
  }

  private static Map<String, String> masterState(RedisNode sentinel) {
    return sentinel.sentinelCommands().master(MASTER_NAME);
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (RedisNode s : sentinels) {
      sb.append(s).append(": ");
      try {
        sb.append(masterState(s)).append('\n');
      } catch (RuntimeException e) {
        sb.append("(unreachable: ").append(e.getMessage()).append(")\n");
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "RedisSentinel[" + uri() + "]";
  }
}
