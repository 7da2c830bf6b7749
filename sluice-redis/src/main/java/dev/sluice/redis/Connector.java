package dev.sluice.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Owns the Lettuce client and its one shared connection (standalone, Sentinel or Cluster).
 * Connects asynchronously, so a Redis that is down at start costs no exception; a failed attempt
 * is retried by the next call that the circuit breaker lets through. Once connected, Lettuce
 * reconnects by itself (every 10–250 ms) and commands issued while disconnected fail at once
 * instead of queueing, so the failure policy answers them.
 */
final class Connector implements AutoCloseable {

  private final RedisTarget target;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final AtomicReference<CompletableFuture<Connected>> current = new AtomicReference<>();
  private volatile boolean closed;

  /** A live connection and its scripting commands. */
  record Connected(StatefulConnection<String, String> connection,
      RedisScriptingAsyncCommands<String, String> commands) {}

  Connector(RedisTarget target, Duration connectTimeout, @Nullable SslOptions ssl) {
    this.target = target;
    this.resources = ClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(250), 2,
            TimeUnit.MILLISECONDS))
        .nettyCustomizer(new NettyCustomizer() {
          @Override
          public void afterChannelInitialized(Channel channel) {
            // Lettuce flushes every command: many callers then cost one write syscall each here
            // and one read and one reply write each in Redis. Merging the flushes queued in one
            // event-loop turn sends them as one segment; a lone command still leaves at once.
            channel.pipeline().addFirst(new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
          }
        })
        .build();
    SocketOptions socket = SocketOptions.builder().connectTimeout(connectTimeout)
        .keepAlive(true).tcpNoDelay(true).build();
    // Lettuce's own timeout only reaps commands stuck on a hung server; callers have their own.
    TimeoutOptions timeouts = TimeoutOptions.enabled(target.uris.get(0).getTimeout());
    if (target.kind == RedisTarget.Kind.CLUSTER) {
      RedisClusterClient cluster = RedisClusterClient.create(resources, target.uris);
      ClusterClientOptions.Builder options = ClusterClientOptions.builder();
      if (ssl != null) {
        options.sslOptions(ssl);
      }
      cluster.setOptions(options
          .socketOptions(socket)
          .timeoutOptions(timeouts)
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .topologyRefreshOptions(topologyRefresh())
          .build());
      this.client = cluster;
    } else {
      RedisClient single = RedisClient.create(resources);
      ClientOptions.Builder options = ClientOptions.builder();
      if (ssl != null) {
        options.sslOptions(ssl);
      }
      single.setOptions(options
          .socketOptions(socket)
          .timeoutOptions(timeouts)
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .build());
      this.client = single;
    }
  }

  /**
   * The Cluster topology is refreshed every second, and at once (at most every 100 ms) on a
   * MOVED or ASK redirect, an uncovered slot, an unknown node or a node that does not reconnect.
   */
  @SuppressWarnings("deprecation") // the adaptive triggers: see below
  private static ClusterTopologyRefreshOptions topologyRefresh() {
    return ClusterTopologyRefreshOptions.builder()
        .enablePeriodicRefresh(Duration.ofSeconds(1))
        // Every adaptive trigger is on by default since Lettuce 7, which makes this call a no-op
        // there; Lettuce 6 (the line Spring Boot 3.5 manages) needs it to turn them on.
        .enableAllAdaptiveRefreshTriggers()
        .adaptiveRefreshTriggersTimeout(Duration.ofMillis(100))
        .refreshTriggersReconnectAttempts(1)
        .build();
  }

  /** The connection, connecting (again) if there is none or the last attempt failed. */
  CompletableFuture<Connected> connection() {
    CompletableFuture<Connected> f = current.get();
    if (f != null && !f.isCompletedExceptionally()) {
      return f;
    }
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("RedisBackend is closed"));
    }
    CompletableFuture<Connected> fresh = new CompletableFuture<>();
    if (!current.compareAndSet(f, fresh)) {
      CompletableFuture<Connected> won = current.get();
      return won != null ? won : connection();
    }
    connect().whenComplete((c, e) -> {
      if (e != null) {
        fresh.completeExceptionally(e);
      } else if (closed) {
        c.connection().closeAsync();
        fresh.completeExceptionally(new IllegalStateException("RedisBackend is closed"));
      } else {
        fresh.complete(c);
      }
    });
    return fresh;
  }

  private CompletableFuture<Connected> connect() {
    try {
      if (client instanceof RedisClusterClient cluster) {
        // connectAsync needs the slot map first; loading it asynchronously keeps callers unblocked.
        return cluster.refreshPartitionsAsync().toCompletableFuture()
            .thenCompose(loaded -> cluster.connectAsync(StringCodec.UTF8))
            .thenApply((StatefulRedisClusterConnection<String, String> c) ->
                new Connected(c, c.async()));
      }
      RedisClient single = (RedisClient) client;
      return single.connectAsync(StringCodec.UTF8, target.uris.get(0)).toCompletableFuture()
          .thenApply((StatefulRedisConnection<String, String> c) -> new Connected(c, c.async()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@code SCRIPT LOAD}s every script on every node this connection can reach: the server (or the
   * Sentinel's master), or in a Cluster every master and every replica in the slot map, each over
   * the connection that key routing then uses, so those connections are open too. A replica that
   * refuses does not fail the load (it only costs one NOSCRIPT after a failover); a master that
   * refuses, or answers another SHA, does.
   *
   * @return the nodes loaded (replicas that refused not counted)
   */
  static CompletableFuture<Integer> loadScripts(Connected c, List<Script> scripts) {
    if (!(c.connection() instanceof StatefulRedisClusterConnection<String, String> cluster)) {
      return load(c.commands(), scripts).thenApply(v -> 1);
    }
    List<CompletableFuture<Integer>> nodes = new ArrayList<>();
    for (RedisClusterNode node : cluster.getPartitions()) {
      if (node.is(NodeFlag.FAIL) || node.is(NodeFlag.EVENTUAL_FAIL) || node.is(NodeFlag.NOADDR)
          || node.is(NodeFlag.HANDSHAKE)) {
        continue;
      }
      boolean master = node.is(NodeFlag.UPSTREAM);
      // By host and port, as key routing names its connections: Lettuce 7 rejects a command
      // routed to a node connection still being opened when disconnected commands are rejected.
      CompletableFuture<Integer> loaded = cluster.getConnectionAsync(node.getUri().getHost(),
              node.getUri().getPort(), master ? ConnectionIntent.WRITE : ConnectionIntent.READ)
          .thenCompose(n -> load(n.async(), scripts))
          .thenApply(v -> 1);
      nodes.add(master ? loaded : loaded.exceptionally(e -> 0));
    }
    return CompletableFuture.allOf(nodes.toArray(CompletableFuture<?>[]::new))
        .thenApply(v -> nodes.stream().mapToInt(CompletableFuture::join).sum());
  }

  /** Every script, pipelined on one connection; fails unless Redis answers each one's SHA. */
  private static CompletableFuture<Void> load(RedisScriptingAsyncCommands<String, String> cmd,
      List<Script> scripts) {
    List<CompletableFuture<Void>> all = new ArrayList<>(scripts.size());
    for (Script s : scripts) {
      all.add(cmd.scriptLoad(s.text).toCompletableFuture().thenAccept(sha -> {
        if (!s.sha.equalsIgnoreCase(sha)) {
          throw new IllegalStateException("SCRIPT LOAD answered " + sha + ", expected " + s.sha);
        }
      }));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture<?>[]::new));
  }

  /** The connection if established, else null (no connection attempt). */
  @Nullable Connected connectedNow() {
    CompletableFuture<Connected> f = current.get();
    return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
  }

  @Override
  public void close() {
    closed = true;
    CompletableFuture<Connected> f = current.getAndSet(null);
    if (f != null) {
      f.thenAccept(c -> c.connection().close()); // now if connected, else once it is
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
