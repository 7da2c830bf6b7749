package dev.sluice.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Given the harness, real servers start, answer, survive kill/restart, and leave no process. */
class RedisHarnessTest {

  @Test
  void standaloneStartsAnswersAndStopsWithoutLeavingAProcess() {
    long pid;
    RedisStandalone redis = RedisStandalone.start();
    try (redis) {
      RedisNode node = redis.node();
      pid = node.pid();
      assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + node.port());
      assertThat(node.call("PING")).isEqualTo("PONG");
      assertThat(node.call("SET", "k", "v")).isEqualTo("OK");
      assertThat(node.call("GET", "k")).isEqualTo("v");
      assertThat(node.call("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
      assertThat(node.call("CONFIG", "GET", "bind")).isEqualTo(List.of("bind", "127.0.0.1"));
      assertThat(RedisNode.livePids()).contains(pid);
    }
    assertThat(alive(pid)).isFalse();
    assertThat(RedisNode.livePids()).doesNotContain(pid);
    assertThat(redis.node().dir()).doesNotExist();
  }

  @Test
  void killedNodeStopsAnsweringAndRestartsOnTheSamePort() {
    try (RedisStandalone redis = RedisStandalone.start()) {
      RedisNode node = redis.node();
      long before = node.pid();
      node.kill();
      assertThat(node.isRunning()).isFalse();
      assertThat(alive(before)).isFalse();
      assertThatThrownBy(() -> node.call("PING")).isInstanceOf(RuntimeException.class);
      node.restart();
      assertThat(node.pid()).isNotEqualTo(before);
      assertThat(node.call("PING")).isEqualTo("PONG");
    }
  }

  @Test
  void errorRepliesThrow() {
    try (RedisStandalone redis = RedisStandalone.start()) {
      assertThatThrownBy(() -> redis.node().call("NOSUCHCOMMAND"))
          .isInstanceOf(RedisCommandExecutionException.class)
          .hasMessageContaining("unknown command");
    }
  }

  @Test
  void clusterHasThreeMastersWithReplicasCoveringEverySlot() {
    List<Long> pids = new ArrayList<>();
    try (RedisCluster cluster = RedisCluster.start()) {
      for (RedisNode n : cluster.nodes()) {
        pids.add(n.pid());
        String info = (String) n.call("CLUSTER", "INFO");
        assertThat(info).contains("cluster_state:ok", "cluster_slots_assigned:16384",
            "cluster_known_nodes:6", "cluster_size:3");
      }
      assertThat(cluster.masterOf(0)).isSameAs(cluster.nodes().get(0));
      assertThat(cluster.masterOf(16_383)).isSameAs(cluster.nodes().get(2));
      int slot = cluster.slotOf("{user}:x");
      RedisNode owner = cluster.masterOf(slot);
      assertThat(owner.call("SET", "{user}:x", "1")).isEqualTo("OK");
      assertThat(cluster.uri()).startsWith("redis-cluster://127.0.0.1:");
    }
    assertThat(pids).hasSize(6).noneMatch(RedisHarnessTest::alive);
  }

  @Test
  void sentinelsKnowTheMasterAndItsReplica() {
    List<Long> pids = new ArrayList<>();
    try (RedisSentinel group = RedisSentinel.start()) {
      assertThat(group.master()).isSameAs(group.dataNodes().get(0));
      for (RedisNode s : group.sentinels()) {
        pids.add(s.pid());
        Object addr = s.call("SENTINEL", "get-master-addr-by-name", RedisSentinel.MASTER_NAME);
        assertThat(addr).isEqualTo(List.of("127.0.0.1",
            Integer.toString(group.dataNodes().get(0).port())));
      }
      for (RedisNode n : group.dataNodes()) {
        pids.add(n.pid());
      }
      assertThat(group.uri()).startsWith("redis-sentinel://").endsWith("#mymaster");
    }
    assertThat(pids).hasSize(5).noneMatch(RedisHarnessTest::alive);
  }

  @Test
  void packagedBinaryMatchesThisMachine() {
    assertThat(RedisBinary.resourceName()).startsWith("redis-server-6.2.");
    assertThat(RedisBinary.path()).isExecutable();
  }

  static boolean alive(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    return h.isPresent() && h.get().isAlive();
  }
}
