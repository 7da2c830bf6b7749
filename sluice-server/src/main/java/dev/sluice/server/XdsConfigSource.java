package dev.sluice.server;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.rules.RuleError;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rules from an xDS management server, as envoy ratelimit's {@code GRPC_XDS_SOTW} config type:
 * one state-of-the-world stream of the Aggregated Discovery Service, asking for every resource
 * ({@code resource_names} empty) of type {@value XdsRules#TYPE_URL} as node {@code xds-node-id}
 * with {@code xds-node-metadata}.
 *
 * <p>Each response is the whole configuration: its resources become rules files ({@link
 * XdsRules}), validated and swapped in all or nothing by {@link LiveRules#apply} as a reload of
 * files is. A good one is ACKed (its version and nonce); a bad one is NACKed with the validation
 * errors in {@code error_detail} and the last applied version, and the last good rules stay. When
 * the stream fails or ends, it reconnects after a wait that starts at {@code xds-backoff-initial}
 * and doubles up to {@code xds-backoff-max}, with jitter (back to the start after a response),
 * sending the last applied version; the last good rules are enforced meanwhile.
 *
 * <p>Everything runs on one daemon thread, in the order it happened: connecting, and each
 * response. The waits are operational timers, never an input of a decision.
 */
final class XdsConfigSource implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsConfigSource.class);
  /** {@code google.rpc.Code.INVALID_ARGUMENT}, the code of a NACK's {@code error_detail}. */
  private static final int INVALID_ARGUMENT = 3;

  private final String server;
  private final LiveRules rules;
  private final AggregatedDiscoveryServiceStub stub;
  /** The client factory of the TLS settings, or null for plaintext (Armeria's default one). */
  private final @Nullable ClientFactory factory;
  private final Node node;
  private final Duration initial;
  private final Duration max;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-xds");
    t.setDaemon(true);
    return t;
  });
  // confined to the thread
  private @Nullable Stream stream;
  private String applied = "";
  private Duration wait;
  private volatile boolean closed;
  private volatile boolean connected;

  private XdsConfigSource(ServerConfig config, LiveRules rules) {
    this.server = config.get(ServerConfig.XDS_SERVER);
    this.rules = rules;
    this.factory = clientFactory(config);
    this.stub = GrpcClients.builder((factory != null ? "https://" : "http://") + server)
        .factory(factory != null ? factory : ClientFactory.ofDefault())
        // one stream for as long as the server keeps it: no deadline, no size limit of Armeria's
        .responseTimeoutMillis(0)
        .maxResponseLength(0)
        .build(AggregatedDiscoveryServiceStub.class);
    this.node = node(config);
    this.initial = config.get(ServerConfig.XDS_BACKOFF_INITIAL);
    this.max = config.get(ServerConfig.XDS_BACKOFF_MAX);
    this.wait = initial;
  }

  /** Connects to {@code xds-server} (in the background) and applies what it sends to {@code rules}. */
  static XdsConfigSource start(ServerConfig config, LiveRules rules) {
    XdsConfigSource source = new XdsConfigSource(config, rules);
    log.info("rules from the xDS management server {} as node {}", source.server,
        source.node.getId());
    source.thread.execute(source::connect);
    return source;
  }

  /**
   * A client factory for {@code xds-tls}: trusting {@code xds-tls-ca} (else the JVM's CAs),
   * presenting {@code xds-tls-cert} when given; null without {@code xds-tls}. The files are read
   * now.
   *
   * @throws ServerConfig.ConfigException naming the settings when a file cannot be used
   */
  static @Nullable ClientFactory clientFactory(ServerConfig config) {
    if (!config.get(ServerConfig.XDS_TLS)) {
      return null;
    }
    Settings s = config.settings();
    @Nullable Path ca = s.find(ServerConfig.XDS_TLS_CA);
    @Nullable Path cert = s.find(ServerConfig.XDS_TLS_CERT);
    @Nullable Path key = s.find(ServerConfig.XDS_TLS_KEY);
    Consumer<SslContextBuilder> tls = b -> {
      if (ca != null) {
        b.trustManager(ca.toFile());
      }
      if (cert != null && key != null) {
        b.keyManager(cert.toFile(), key.toFile());
      }
    };
    try {
      // read the files now, to name them; Armeria builds its own context the same way
      SslContextBuilder check = SslContextBuilder.forClient();
      tls.accept(check);
      check.build();
    } catch (SSLException | RuntimeException e) {
      throw new ServerConfig.ConfigException("xDS TLS (xds-tls-ca " + ca + ", xds-tls-cert "
          + cert + ", xds-tls-key " + key + "): " + e.getMessage());
    }
    return ClientFactory.builder().tlsCustomizer(tls).build();
  }

  /** The node as envoy ratelimit sends it: the id, and the metadata as string values. */
  static Node node(ServerConfig config) {
    Struct.Builder metadata = Struct.newBuilder();
    List<String> pairs = config.settings().find(ServerConfig.XDS_NODE_METADATA);
    for (String pair : pairs == null ? List.<String>of() : pairs) {
      int eq = pair.indexOf('=');
      metadata.putFields(pair.substring(0, eq),
          Value.newBuilder().setStringValue(pair.substring(eq + 1)).build());
    }
    return Node.newBuilder().setId(config.get(ServerConfig.XDS_NODE_ID))
        .setMetadata(metadata).build();
  }

  private void connect() {
    if (closed) {
      return;
    }
    Stream s = new Stream();
    stream = s;
    try {
      s.requests = stub.streamAggregatedResources(s);
      s.send(applied, "", null);
    } catch (RuntimeException e) {
      s.onError(e);
    }
  }

  /** One response of the current stream: apply, then ACK or NACK. */
  private void receive(Stream s, DiscoveryResponse response) {
    if (s != stream || closed) {
      return;
    }
    wait = initial;
    connected = true;
    String version = response.getVersionInfo();
    List<String> problems = new ArrayList<>();
    if (!response.getTypeUrl().equals(XdsRules.TYPE_URL)) {
      problems.add("expected resources of type " + XdsRules.TYPE_URL + ", got "
          + response.getTypeUrl());
    }
    Map<String, String> files = XdsRules.files(response.getResourcesList(), problems);
    if (problems.isEmpty()) {
      LiveRules.Outcome o = rules.apply(version, files, XdsRules::withoutPositions);
      o.errors().stream().map(RuleError::toString).forEach(problems::add);
    }
    if (problems.isEmpty()) {
      applied = version;
      s.send(version, response.getNonce(), null);
    } else {
      log.warn("xDS version {} rejected (NACK), {}: {}", version, holding(), problems.get(0));
      s.send(applied, response.getNonce(), String.join("\n", problems));
    }
  }

  /** Whether the stream is up: it has answered since it was opened, and not failed since. */
  boolean connected() {
    return connected;
  }

  /** What the service enforces meanwhile, for the log. */
  private String holding() {
    return applied.isEmpty() ? "no configuration applied yet"
        : "keeping version '" + applied + "'";
  }

  /** The current stream failed or ended: connect again after the wait. */
  private void lost(Stream s, @Nullable Throwable error) {
    if (s != stream || closed) {
      return;
    }
    stream = null;
    connected = false;
    long ms = wait.toMillis();
    long jittered = ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1);
    wait = wait.multipliedBy(2).compareTo(max) > 0 ? max : wait.multipliedBy(2);
    log.warn("xDS stream to {} {}; {}, reconnecting in {} ms", server,
        error == null ? "ended" : "failed: " + error, holding(), jittered);
    thread.schedule(this::connect, jittered, TimeUnit.MILLISECONDS);
  }

  /** Stops: the stream is cancelled, nothing is applied any more. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.submit(() -> {
        Stream s = stream;
        stream = null;
        if (s != null && s.requests != null) {
          s.requests.onError(io.grpc.Status.CANCELLED.withDescription("closing")
              .asRuntimeException());
        }
      }).get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
        | java.util.concurrent.RejectedExecutionException e) {
      log.warn("closing the xDS stream: {}", e.toString());
    }
    // a reconnection still waiting is dropped
    thread.shutdownNow();
    if (factory != null) {
      factory.close();
    }
  }

  /** One stream: its responses are handed to the thread in order. */
  private final class Stream implements StreamObserver<DiscoveryResponse> {
    @Nullable StreamObserver<DiscoveryRequest> requests;

    void send(String version, String nonce, @Nullable String error) {
      DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setNode(node)
          .setTypeUrl(XdsRules.TYPE_URL).setVersionInfo(version).setResponseNonce(nonce);
      if (error != null) {
        r.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(INVALID_ARGUMENT)
            .setMessage(error));
      }
      StreamObserver<DiscoveryRequest> out = requests;
      if (out != null) {
        out.onNext(r.build());
      }
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      submit(() -> receive(this, response));
    }

    @Override
    public void onError(Throwable t) {
      submit(() -> lost(this, t));
    }

    @Override
    public void onCompleted() {
      submit(() -> lost(this, null));
    }

    private void submit(Runnable r) {
      if (!closed) {
        try {
          thread.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closing
        }
      }
    }
  }
}
