package dev.sluice.server;

import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Item;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy's {@code envoy.service.ratelimit.v3.RateLimitService}: answers when the backend does,
 * without parking a thread. Invalid requests fail with {@code INVALID_ARGUMENT} and a message.
 */
final class EnvoyRateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(EnvoyRateLimitService.class);

  private final Enforcer enforcer;
  private final ServerConfig config;

  EnvoyRateLimitService(Enforcer enforcer, ServerConfig config) {
    this.enforcer = enforcer;
    this.config = config;
  }

  @Override
  public void shouldRateLimit(RateLimitRequest request,
      StreamObserver<RateLimitResponse> observer) {
    List<Item> items;
    try {
      items = EnvoyProtocol.items(request, config);
    } catch (EnvoyProtocol.BadRequestException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage())
          .asRuntimeException());
      return;
    }
    Span span = Tracing.grpcSpan();
    enforcer.decide(request.getDomain(), items, config.descriptorCounting())
        .whenComplete((verdict, error) -> {
          if (error != null) {
            log.warn("decision failed: {}", error.toString());
            observer.onError(Status.UNAVAILABLE.withDescription("the decision failed")
                .asRuntimeException());
            return;
          }
          Tracing.annotate(span, request.getDomain(), verdict);
          observer.onNext(EnvoyProtocol.response(verdict, config.grpcResponseHeaders(),
              config.headers(), config.headerNames()));
          observer.onCompleted();
        });
  }
}
