package dev.sluice.server;

import com.google.protobuf.Any;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.WatchCancelledException;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitConfig;
import io.netty.handler.ssl.ClientAuth;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An xDS management server for the tests: java-control-plane's {@link V3DiscoveryServer} (the
 * Aggregated Discovery Service, state of the world) on a real port of 127.0.0.1, serving
 * envoy ratelimit's {@code RateLimitConfig} resources that the test {@link #push pushes}, and
 * recording every request it receives ({@link #requests()}: the client's ACKs and NACKs as the
 * server saw them).
 *
 * <p>java-control-plane's snapshot cache knows only envoy's own resource types, so the resources
 * come from a {@link ConfigWatcher} of the test's own: it answers a request whose version differs
 * from the current one at once, and parks the others (a NACK among them: the client has seen the
 * current version) until the next push. Its stream handler also serves only envoy's own type URLs
 * ({@code Resources.getResourceApiVersion}); {@link RateLimitConfigServer} lets a RateLimitConfig
 * request through under one of them and puts the real type URL back on the response, so what
 * crosses the socket is the protocol as envoy ratelimit speaks it.
 */
final class XdsManagementServer implements AutoCloseable {

  /** The type a RateLimitConfig request is carried under inside java-control-plane. */
  private static final String CARRIER = Resources.V3.SECRET_TYPE_URL;

  private final Server server;
  private final Watcher watcher = new Watcher();
  private final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();

  private XdsManagementServer(int port, TestCertificates.@Nullable Issued certificate,
      TestCertificates.@Nullable Issued clientCa) {
    DiscoveryServerCallbacks record = new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requests.add(request);
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}
    };
    V3DiscoveryServer discovery = new RateLimitConfigServer(record, watcher);
    ServerBuilder b = Server.builder();
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    if (certificate == null) {
      b.http(address);
    } else {
      b.https(address).tls(certificate.key(), certificate.certificate());
      if (clientCa != null) {
        b.tlsCustomizer(t -> t.clientAuth(ClientAuth.REQUIRE)
            .trustManager(clientCa.certificate()));
      }
    }
    server = b
        .service(GrpcService.builder()
            .addService(discovery.getAggregatedDiscoveryServiceImpl()).build())
        .requestTimeout(Duration.ZERO)
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
        .build();
    server.start().join();
  }

  /** A server on a free port ({@code 0}) or on {@code port}, with nothing to serve yet. */
  static XdsManagementServer start(int port) {
    return new XdsManagementServer(port, null, null);
  }

  /**
   * A server on a free port over TLS with {@code certificate}, asking for a client certificate
   * signed by {@code clientCa} (mTLS).
   */
  static XdsManagementServer startTls(TestCertificates.Issued certificate,
      TestCertificates.Issued clientCa) {
    return new XdsManagementServer(0, certificate, clientCa);
  }

  int port() {
    return server.activeLocalPort();
  }

  /** Serves {@code configs} as {@code version} from now on, to every client waiting. */
  void push(String version, RateLimitConfig... configs) {
    watcher.push(version, List.of(configs));
  }

  /** Every request received, in order. */
  List<DiscoveryRequest> requests() {
    return List.copyOf(requests);
  }

  /** The first request received that {@code which} accepts, or null. */
  @Nullable DiscoveryRequest request(Predicate<DiscoveryRequest> which) {
    return requests.stream().filter(which).findFirst().orElse(null);
  }

  /** Stops listening; open streams are cut. */
  @Override
  public void close() {
    server.stop().join();
  }

  /** The resources of the current version, answering and parking watches. */
  private static final class Watcher implements ConfigWatcher {
    private @Nullable String version;
    private List<RateLimitConfig> resources = List.of();
    private final List<Watch> parked = new ArrayList<>();

    @Override
    public synchronized Watch createWatch(boolean ads, XdsRequest request,
        Set<String> knownResourceNames, Consumer<Response> responseConsumer,
        boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
      Watch watch = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
      if (version != null && !request.hasErrorDetail()
          && !version.equals(request.getVersionInfo())) {
        respond(watch);
      } else {
        parked.add(watch);
      }
      return watch;
    }

    synchronized void push(String version, List<RateLimitConfig> resources) {
      this.version = version;
      this.resources = resources;
      List<Watch> waiting = List.copyOf(parked);
      parked.clear();
      waiting.forEach(this::respond);
    }

    private void respond(Watch watch) {
      try {
        watch.respond(Response.create(watch.request(), resources, version));
      } catch (WatchCancelledException e) {
        // the stream is gone
      }
    }

    @Override
    public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
        Map<String, String> resourceVersions, Set<String> pendingResources,
        boolean isWildcard, Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
      throw new UnsupportedOperationException("envoy ratelimit speaks state of the world only");
    }
  }

  /**
   * java-control-plane's ADS with RateLimitConfig requests carried under {@link #CARRIER} inside
   * it, and their responses sent with RateLimitConfig's type URL.
   */
  private static final class RateLimitConfigServer extends V3DiscoveryServer {
    RateLimitConfigServer(DiscoveryServerCallbacks callbacks, ConfigWatcher watcher) {
      super(callbacks, watcher);
    }

    @Override
    protected XdsRequest wrapXdsRequest(DiscoveryRequest request) {
      return super.wrapXdsRequest(request.getTypeUrl().equals(XdsRules.TYPE_URL)
          ? request.toBuilder().setTypeUrl(CARRIER).build() : request);
    }

    @Override
    protected DiscoveryResponse makeResponse(String version, Collection<Any> resources,
        String typeUrl, String nonce) {
      return super.makeResponse(version, resources,
          typeUrl.equals(CARRIER) ? XdsRules.TYPE_URL : typeUrl, nonce);
    }
  }
}
