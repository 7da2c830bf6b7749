package dev.sluice.server;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.enforcement.Quota;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Optional OpenTelemetry spans for decisions (setting {@code tracing}, off by default): one
 * {@link SpanKind#SERVER SERVER} span per request on the decision routes ({@code /json}, {@code
 * /v1/check}, {@code /v1/authorize/{domain}}) and per call of envoy's gRPC {@code
 * ShouldRateLimit}, the child of the trace context the request carries (W3C {@code traceparent}
 * and {@code tracestate} headers or gRPC metadata, by the configured propagators). The front end
 * adds the verdict to the span ({@link #annotate}): domain, code, the deciding limit and what is
 * left of it, shadowed and degraded answers.
 *
 * <p>Off, every method costs a null check and nothing is created. On, the SDK is configured from
 * the {@code tracing-*} settings as defaults, overridden by the standard {@code OTEL_*} variables
 * and system properties ({@code OTEL_EXPORTER_OTLP_ENDPOINT} chooses the collector); spans are
 * exported over OTLP/HTTP in batches, so a slow collector never delays a decision.
 */
final class Tracing implements AutoCloseable {

  static final AttributeKey<String> DOMAIN = AttributeKey.stringKey("sluice.domain");
  /** {@code OK} or {@code OVER_LIMIT}, as envoy's {@code overall_code}. */
  static final AttributeKey<String> CODE = AttributeKey.stringKey("sluice.code");
  static final AttributeKey<Long> DESCRIPTORS = AttributeKey.longKey("sluice.descriptors");
  /** The deciding limit's name (see {@link Verdict#deciding()}). */
  static final AttributeKey<String> LIMIT = AttributeKey.stringKey("sluice.limit");
  static final AttributeKey<Long> REMAINING = AttributeKey.longKey("sluice.remaining");
  /** Refused by its limits, admitted by global shadow mode. */
  static final AttributeKey<Boolean> SHADOWED = AttributeKey.booleanKey("sluice.shadowed");
  /** Some descriptor was answered by the failure policy instead of its limit's state. */
  static final AttributeKey<Boolean> DEGRADED = AttributeKey.booleanKey("sluice.degraded");

  private static final AttributeKey<String> HTTP_METHOD =
      AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<Long> HTTP_STATUS =
      AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  private static final AttributeKey<Long> RPC_STATUS =
      AttributeKey.longKey("rpc.grpc.status_code");

  private static final io.netty.util.AttributeKey<Span> HTTP_SPAN =
      io.netty.util.AttributeKey.valueOf(Tracing.class, "span");
  private static final Context.Key<Span> GRPC_SPAN = Context.key("sluice.span");

  private static final TextMapGetter<RequestHeaders> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(RequestHeaders carrier) {
      List<String> names = new ArrayList<>();
      carrier.names().forEach(n -> names.add(n.toString()));
      return names;
    }

    @Override
    public @Nullable String get(@Nullable RequestHeaders carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private static final TextMapGetter<Metadata> METADATA = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier.keys();
    }

    @Override
    public @Nullable String get(@Nullable Metadata carrier, String key) {
      return carrier == null || key.endsWith(Metadata.BINARY_HEADER_SUFFIX) ? null
          : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private final @Nullable OpenTelemetry otel;
  private final @Nullable Tracer tracer;
  private final @Nullable OpenTelemetrySdk owned;

  private Tracing(@Nullable OpenTelemetry otel, @Nullable OpenTelemetrySdk owned) {
    this.otel = otel;
    this.tracer = otel == null ? null : otel.getTracer("dev.sluice.server");
    this.owned = owned;
  }

  /** No spans. */
  static Tracing off() {
    return new Tracing(null, null);
  }

  /**
   * Tracing as {@code config} says: off, or on with {@code given} (an application's own
   * OpenTelemetry, which it keeps and closes) or, when none is given, an SDK configured from the
   * settings and the {@code OTEL_*} variables, closed with the service.
   *
   * @throws ServerConfig.ConfigException when the OpenTelemetry configuration cannot be used
   */
  static Tracing from(ServerConfig config, @Nullable OpenTelemetry given) {
    if (!config.tracing()) {
      return off();
    }
    if (given != null) {
      return new Tracing(given, null);
    }
    OpenTelemetrySdk sdk;
    try {
      sdk = AutoConfiguredOpenTelemetrySdk.builder()
          .addPropertiesSupplier(() -> Map.of(
              "otel.service.name", config.tracingServiceName(),
              "otel.traces.sampler", "parentbased_traceidratio",
              "otel.traces.sampler.arg", Double.toString(config.tracingSamplingRate()),
              "otel.exporter.otlp.protocol", "http/protobuf",
              "otel.metrics.exporter", "none",
              "otel.logs.exporter", "none"))
          .disableShutdownHook()
          .build()
          .getOpenTelemetrySdk();
    } catch (ConfigurationException | IllegalStateException e) {
      throw new ServerConfig.ConfigException("tracing: the OpenTelemetry configuration (OTEL_*"
          + " variables, otel.* properties) cannot be used: " + e.getMessage()
          + "; spans are exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)");
    }
    return new Tracing(sdk, sdk);
  }

  /** Whether spans are made. */
  boolean on() {
    return tracer != null;
  }

  /**
   * {@code service} with a span per request, named after {@code route} (the route's pattern, as
   * {@code POST /v1/check}), ended when the response is complete with its status.
   */
  HttpService http(String route, HttpService service) {
    if (tracer == null) {
      return service;
    }
    return (ctx, req) -> {
      Span span = start(req, ctx, route);
      ctx.setAttr(HTTP_SPAN, span);
      ctx.log().whenComplete().thenAccept(log -> {
        if (log.isAvailable(com.linecorp.armeria.common.logging.RequestLogProperty
            .RESPONSE_HEADERS)) {
          int status = log.responseHeaders().status().code();
          span.setAttribute(HTTP_STATUS, (long) status);
          if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
          }
        }
        if (log.responseCause() != null) {
          span.recordException(log.responseCause());
          span.setStatus(StatusCode.ERROR);
        }
        span.end();
      });
      try (var scope = span.makeCurrent()) {
        return service.serve(ctx, req);
      }
    };
  }

  private Span start(HttpRequest req, ServiceRequestContext ctx, String route) {
    io.opentelemetry.context.Context parent = otel.getPropagators().getTextMapPropagator()
        .extract(io.opentelemetry.context.Context.root(), req.headers(), HEADERS);
    String method = req.method().name();
    return tracer.spanBuilder(method + " " + route)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(HTTP_METHOD, method)
        .setAttribute(HTTP_ROUTE, route)
        .setAttribute(URL_PATH, ctx.path())
        .startSpan();
  }

  /**
   * {@code service} with a span per call, the child of the trace context in the call's metadata,
   * ended when the call closes with its status; the call's handler finds it with {@link
   * #grpcSpan()} on the thread that calls it.
   */
  ServerServiceDefinition grpc(BindableService service) {
    if (tracer == null) {
      return service.bindService();
    }
    return ServerInterceptors.intercept(service, new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        var method = call.getMethodDescriptor();
        io.opentelemetry.context.Context parent = otel.getPropagators().getTextMapPropagator()
            .extract(io.opentelemetry.context.Context.root(), headers, METADATA);
        Span span = tracer.spanBuilder(method.getFullMethodName())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(RPC_SYSTEM, "grpc")
            .setAttribute(RPC_SERVICE, String.valueOf(method.getServiceName()))
            .setAttribute(RPC_METHOD, String.valueOf(method.getBareMethodName()))
            .startSpan();
        ServerCall<Q, R> ending = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(io.grpc.Status status, Metadata trailers) {
            span.setAttribute(RPC_STATUS, (long) status.getCode().value());
            if (!status.isOk()) {
              span.setStatus(StatusCode.ERROR, status.getCode() + ": "
                  + status.getDescription());
            }
            span.end();
            super.close(status, trailers);
          }
        };
        return Contexts.interceptCall(Context.current().withValue(GRPC_SPAN, span), ending,
            headers, next);
      }
    });
  }

  /** The span of the gRPC call being handled; a no-op span when tracing is off. */
  static Span grpcSpan() {
    Span span = GRPC_SPAN.get();
    return span == null ? Span.getInvalid() : span;
  }

  /** The span of the HTTP request {@code ctx}; a no-op span when tracing is off. */
  static Span httpSpan(ServiceRequestContext ctx) {
    Span span = ctx.attr(HTTP_SPAN);
    return span == null ? Span.getInvalid() : span;
  }

  /** Adds what was decided for {@code domain} to {@code span}. */
  static void annotate(Span span, String domain, Verdict verdict) {
    if (!span.isRecording()) {
      return;
    }
    span.setAttribute(DOMAIN, domain);
    span.setAttribute(CODE, verdict.overLimit() ? "OVER_LIMIT" : "OK");
    span.setAttribute(DESCRIPTORS, (long) verdict.statuses().size());
    if (verdict.shadowedOverLimit()) {
      span.setAttribute(SHADOWED, true);
    }
    if (verdict.degraded()) {
      span.setAttribute(DEGRADED, true);
    }
    Status deciding = verdict.deciding();
    Quota limit = deciding == null ? null : deciding.limit();
    if (limit != null) {
      span.setAttribute(LIMIT, limit.name());
      span.setAttribute(REMAINING, deciding.remaining());
    }
  }

  /** Exports the spans still buffered and stops the SDK this service configured. */
  @Override
  public void close() {
    if (owned != null) {
      owned.close();
    }
  }
}
