package dev.sluice.testkit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A six-node Redis Cluster on 127.0.0.1: three masters holding slots 0–5460, 5461–10922 and
 * 10923–16383, each with one replica. Built from Java with {@code CLUSTER MEET}, {@code ADDSLOTS}
 * and {@code REPLICATE}, so only {@code redis-server} is needed.
 *
 * <p>{@code cluster-node-timeout} is one second so that killing a master promotes its replica
 * within a few seconds; {@link #awaitHealthy()} waits for that.
 */
public final class RedisCluster implements AutoCloseable {

  /** Node timeout: failure detection and failover speed. */
  public static final Duration NODE_TIMEOUT = Duration.ofSeconds(1);

  private static final int SLOTS = 16_384;
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisNode> nodes;

  private RedisCluster(List<RedisNode> nodes) {
    this.nodes = nodes;
  }

  /** Starts six nodes, joins them into a cluster and waits until it is fully formed. */
  public static RedisCluster start() {
    List<RedisNode> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        nodes.add(RedisNode.startServer("cluster-" + i, true, List.of(
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", Long.toString(NODE_TIMEOUT.toMillis()),
            "--cluster-require-full-coverage", "yes")));
      }
      RedisCluster cluster = new RedisCluster(List.copyOf(nodes));
      cluster.form();
      return cluster;
    } catch (RuntimeException e) {
      for (RedisNode n : nodes) {
        n.close();
      }
      throw e;
    }
  }

  private void form() {
    for (int i = 0; i < 6; i++) {
      nodes.get(i).commands().clusterSetConfigEpoch(i + 1);
    }
    RedisNode first = nodes.get(0);
    for (int i = 1; i < 6; i++) {
      nodes.get(i).commands().clusterMeet(first.host(), first.port());
    }
    RedisNode.await(FORM_TIMEOUT, "all six nodes to know each other",
        () -> nodes.stream().allMatch(n -> clusterNodes(n).size() == 6
            && clusterNodes(n).stream().noneMatch(l -> l.contains("handshake"))),
        this::describe);
    for (int m = 0; m < 3; m++) {
      int from = m * SLOTS / 3;
      int to = (m + 1) * SLOTS / 3 - 1;
      nodes.get(m).commands().clusterAddSlots(IntStream.rangeClosed(from, to).toArray());
    }
    for (int r = 3; r < 6; r++) {
      String masterId = nodeId(nodes.get(r - 3));
      RedisNode replica = nodes.get(r);
      // The replica must have learned the master's new slots role before REPLICATE is accepted.
      RedisNode.await(FORM_TIMEOUT, replica.name() + " to see its master",
          () -> clusterNodes(replica).stream().anyMatch(l -> l.startsWith(masterId + " ")
              && l.contains("master")),
          this::describe);
      replica.commands().clusterReplicate(masterId);
    }
    awaitHealthy();
  }

  /**
   * Waits until every running node reports {@code cluster_state:ok} and sees three masters with
   * slots, each master with a replica whose link is up (after a failover, the old master, once
   * restarted, counts as the new master's replica).
   */
  public void awaitHealthy() {
    awaitHealthy(FORM_TIMEOUT);
  }

  /** {@link #awaitHealthy()} with a custom timeout. */
  public void awaitHealthy(Duration timeout) {
    RedisNode.await(timeout, "cluster to be healthy", () -> {
      for (RedisNode n : nodes) {
        if (!n.isRunning()) {
          continue;
        }
        String info = n.commands().clusterInfo();
        if (info == null || !info.contains("cluster_state:ok")) {
          return false;
        }
        List<String> view = clusterNodes(n);
        long masters = view.stream().filter(l -> isFlag(l, "master") && !isFlag(l, "fail")
            && l.split(" ").length > 8).count();
        long connectedReplicas = view.stream().filter(l -> isFlag(l, "slave")
            && !isFlag(l, "fail") && l.split(" ")[7].equals("connected")).count();
        long running = nodes.stream().filter(RedisNode::isRunning).count();
        if (masters != 3 || connectedReplicas != running - 3) {
          return false;
        }
      }
      for (RedisNode n : nodes) {
        if (n.isRunning() && isReplica(n)) {
          String repl = n.commands().info("replication");
          if (repl == null || !repl.contains("master_link_status:up")) {
            return false;
          }
        }
      }
      return true;
    }, this::describe);
  }

  private static boolean isFlag(String line, String flag) {
    String[] parts = line.split(" ");
    return parts.length > 2 && List.of(parts[2].split(",")).contains(flag);
  }

  private boolean isReplica(RedisNode n) {
    return clusterNodes(n).stream().anyMatch(l -> isFlag(l, "myself") && isFlag(l, "slave"));
  }

  /** The six nodes: indexes 0–2 started as masters, 3–5 as their replicas. */
  public List<RedisNode> nodes() {
    return nodes;
  }

  /** The running node that currently serves {@code slot} as master. */
  public RedisNode masterOf(int slot) {
    for (RedisNode n : nodes) {
      if (!n.isRunning()) {
        continue;
      }
      for (String line : clusterNodes(n)) {
        if (isFlag(line, "myself") && isFlag(line, "master")) {
          String[] parts = line.split(" ");
          for (int i = 8; i < parts.length; i++) {
            String range = parts[i];
            if (range.startsWith("[")) {
              continue;
            }
            String[] bounds = range.split("-");
            int lo = Integer.parseInt(bounds[0]);
            int hi = bounds.length > 1 ? Integer.parseInt(bounds[1]) : lo;
            if (slot >= lo && slot <= hi) {
              return n;
            }
          }
        }
      }
    }
    throw new IllegalStateException("no running master serves slot " + slot + "\n" + describe());
  }

  /** The slot of {@code key}, as the cluster computes it ({@code CLUSTER KEYSLOT}). */
  public int slotOf(String key) {
    for (RedisNode n : nodes) {
      if (n.isRunning()) {
        return n.commands().clusterKeyslot(key).intValue();
      }
    }
    throw new IllegalStateException("no node running");
  }

  /** {@code redis-cluster://host:port,host:port,...} listing every node as a seed. */
  public String uri() {
    return "redis-cluster://" + nodes.stream().map(RedisNode::address)
        .collect(Collectors.joining(","));
  }

  /** Deletes every key on every master. */
  public void flushAll() {
    for (RedisNode n : nodes) {
      if (n.isRunning() && !isReplica(n)) {
        n.commands().flushall();
      }
    }
  }

  @Override
  public void close() {
    for (RedisNode n : nodes) {
      n.close();
    }
  }

  private static String nodeId(RedisNode n) {
    return n.commands().clusterMyId();
  }

  private static List<String> clusterNodes(RedisNode n) {
    String reply = n.commands().clusterNodes();
    if (reply == null) {
      return List.of();
    }
    return reply.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (RedisNode n : nodes) {
      sb.append(n).append(":\n");
      try {
        sb.append(String.join("\n", clusterNodes(n))).append('\n');
      } catch (RuntimeException e) {
        sb.append("  (unreachable: ").append(e.getMessage()).append(")\n");
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "RedisCluster" + nodes.stream().map(RedisNode::address).toList();
  }

  static Map<String, String> infoFields(String info) {
    return info.lines().filter(l -> l.contains(":"))
        .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')),
            l -> l.substring(l.indexOf(':') + 1).trim(), (a, b) -> b));
  }
}
