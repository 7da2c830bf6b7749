package dev.sluice.server;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy's {@code envoy.service.ratelimit.v3.RateLimitService}: answers when the backend does,
 * without parking a thread. Invalid requests fail with {@code INVALID_ARGUMENT} and a message.
 */
final class EnvoyRateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(EnvoyRateLimitService.class);

  private final Engine engine;
  private final ServerConfig config;

  EnvoyRateLimitService(Engine engine, ServerConfig config) {
    this.engine = engine;
    this.config = config;
  }

  @Override
  public void shouldRateLimit(RateLimitRequest request,
      StreamObserver<RateLimitResponse> observer) {
    List<Engine.Item> items;
    try {
      items = EnvoyProtocol.items(request, config);
    } catch (EnvoyProtocol.BadRequestException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage())
          .asRuntimeException());
      return;
    }
    engine.decide(request.getDomain(), items, false).whenComplete((result, error) -> {
      if (error != null) {
        log.warn("decision failed: {}", error.toString());
        observer.onError(Status.UNAVAILABLE.withDescription("the decision failed")
            .asRuntimeException());
        return;
      }
      observer.onNext(EnvoyProtocol.response(result, config.grpcResponseHeaders(),
          config.headers()));
      observer.onCompleted();
    });
  }
}
