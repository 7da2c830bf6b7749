package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decision spans over real sockets, recorded by an in-memory exporter: the parent is the trace
 * context the request carried (W3C {@code traceparent}), the attributes say what was decided.
 */
class TracingTest {

  private static final String RULES = """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: hour, requests_per_unit: 2, name: per-user}
      routes:
        - path: /orders/**
          rate_limits:
            - actions:
                - generic_key: {descriptor_key: user, descriptor_value: orders}
      """;
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE + "-" + PARENT + "-01";

  @TempDir Path dir;
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk otel;

  @BeforeEach
  void openTelemetry() {
    otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  @AfterEach
  void close() {
    otel.close();
  }

  private Running start(String tracing) throws Exception {
    return Running.start(dir, Map.of("api.yaml", RULES), Map.of("tracing", tracing),
        Map.of(ServerConfig.ADMIN_TOKEN_ENV, Running.TOKEN), new SluiceServer.Extension() {
          @Override
          public OpenTelemetry openTelemetry() {
            return otel;
          }
        });
  }

  private List<SpanData> awaitSpans(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().size() >= n);
    return spans.getFinishedSpanItems();
  }

  private static HttpResponse<String> post(Running s, String path, String body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(path))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return s.send(b);
  }

  @Test
  void httpDecisionsAreChildrenOfTheRequestsTraceAndSayWhatWasDecided() throws Exception {
    try (Running s = start("true")) {
      String body = Running.envoy("api", "user", "alice");
      List<Integer> codes = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        codes.add(post(s, "/v1/check", "{\"domain\":\"api\",\"descriptors\":[{\"entries\":"
            + "[{\"key\":\"user\",\"value\":\"alice\"}]}]}", "traceparent", TRACEPARENT)
            .statusCode());
      }
      assertThat(codes).containsExactly(200, 200, 429);
      List<SpanData> done = awaitSpans(3);
      assertThat(done).hasSize(3).allSatisfy(span -> {
        assertThat(span.getName()).isEqualTo("POST /v1/check");
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getParentSpanId()).isEqualTo(PARENT);
        assertThat(span.getAttributes().get(Tracing.DOMAIN)).isEqualTo("api");
        assertThat(span.getAttributes().get(Tracing.LIMIT)).isEqualTo("per-user");
        assertThat(span.getAttributes().get(Tracing.DESCRIPTORS)).isEqualTo(1L);
      });
      assertThat(done).extracting(span -> span.getAttributes().get(Tracing.CODE))
          .containsExactly("OK", "OK", "OVER_LIMIT");
      assertThat(done).extracting(span -> span.getAttributes().get(Tracing.REMAINING))
          .containsExactly(1L, 0L, 0L);
      assertThat(done).extracting(span -> span.getAttributes()
              .get(AttributeKey.longKey("http.response.status_code")))
          .containsExactly(200L, 200L, 429L);

      // envoy's /json and the forward-auth endpoint: the same, under their own routes
      spans.reset();
      assertThat(post(s, "/json", body, "traceparent", TRACEPARENT).statusCode()).isEqualTo(429);
      assertThat(s.send(HttpRequest.newBuilder(s.uri("/v1/authorize/api"))
          .header("x-forwarded-method", "GET").header("x-forwarded-uri", "/orders/1")
          .header("traceparent", TRACEPARENT).GET()).statusCode()).isEqualTo(200);
      assertThat(awaitSpans(2)).extracting(SpanData::getName)
          .containsExactlyInAnyOrder("POST /json", "GET /v1/authorize/{domain}");
      assertThat(spans.getFinishedSpanItems()).allSatisfy(span ->
          assertThat(span.getParentSpanId()).isEqualTo(PARENT));
    }
  }

  @Test
  void aRequestWithoutTraceContextStartsATraceAndABadOneIsAnErrorResponseSpan()
      throws Exception {
    try (Running s = start("true")) {
      assertThat(post(s, "/v1/check", "{\"domain\":\"api\"}").statusCode()).isEqualTo(400);
      SpanData span = awaitSpans(1).get(0);
      assertThat(span.getParentSpanContext().isValid()).isFalse();
      assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
          .isEqualTo(400L);
      assertThat(span.getAttributes().get(Tracing.CODE)).isNull();
    }
  }

  @Test
  void grpcDecisionsAreChildrenOfTheCallsTraceContext() throws Exception {
    try (Running s = start("true")) {
      RateLimitServiceBlockingStub stub = GrpcClients.builder(
              "http://127.0.0.1:" + s.server.grpcPort() + "/")
          .addHeader("traceparent", TRACEPARENT)
          .build(RateLimitServiceBlockingStub.class);
      RateLimitRequest request = RateLimitRequest.newBuilder().setDomain("api")
          .addDescriptors(RateLimitDescriptor.newBuilder().addEntries(
              RateLimitDescriptor.Entry.newBuilder().setKey("user").setValue("bob")))
          .setHitsAddend(3).build();
      assertThat(stub.shouldRateLimit(request).getOverallCode())
          .isEqualTo(RateLimitResponse.Code.OVER_LIMIT);
      SpanData span = awaitSpans(1).get(0);
      assertThat(span.getName())
          .isEqualTo("envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit");
      assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
      assertThat(span.getTraceId()).isEqualTo(TRACE);
      assertThat(span.getParentSpanId()).isEqualTo(PARENT);
      assertThat(span.getAttributes().get(Tracing.CODE)).isEqualTo("OVER_LIMIT");
      assertThat(span.getAttributes().get(Tracing.DOMAIN)).isEqualTo("api");
      assertThat(span.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")))
          .isEqualTo(0L);
    }
  }

  @Test
  void offByDefaultNoSpanIsMade() throws Exception {
    try (Running s = start("false")) {
      assertThat(post(s, "/v1/check", "{\"domain\":\"api\",\"descriptors\":[{\"entries\":"
          + "[{\"key\":\"user\",\"value\":\"carol\"}]}]}", "traceparent", TRACEPARENT)
          .statusCode()).isEqualTo(200);
      assertThat(post(s, "/json", Running.envoy("api", "user", "carol"))
          .statusCode()).isEqualTo(200);
    }
    assertThat(spans.getFinishedSpanItems()).isEmpty();
    assertThat(ServerConfig.resolve(Map.of(), Map.of(), null).tracing()).isFalse();
  }

  @Test
  void onWithoutAnOpenTelemetryOfItsOwnTheServiceExportsOverOtlpHttp() throws Exception {
    // a collector's OTLP/HTTP endpoint: records what the service posts to /v1/traces
    List<byte[]> posted = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.linecorp.armeria.server.Server collector = com.linecorp.armeria.server.Server.builder()
        .http(new java.net.InetSocketAddress("127.0.0.1", 0))
        .service("/v1/traces", (ctx, req) -> com.linecorp.armeria.common.HttpResponse.of(
            req.aggregate().thenApply(agg -> {
              if (agg.contentType() != null
                  && agg.contentType().toString().startsWith("application/x-protobuf")) {
                posted.add(agg.content().array());
              }
              return com.linecorp.armeria.common.HttpResponse.of(200);
            })))
        .build();
    collector.start().join();
    Map<String, String> props = Map.of(
        "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.activeLocalPort(),
        "otel.bsp.schedule.delay", "50");
    props.forEach(System::setProperty);
    try (Running s = Running.start(dir, Map.of("api.yaml", RULES), Map.of("tracing", "true",
        "tracing-service-name", "edge-limits"))) {
      assertThat(post(s, "/v1/check", "{\"domain\":\"api\",\"descriptors\":[{\"entries\":"
          + "[{\"key\":\"user\",\"value\":\"dave\"}]}]}", "traceparent", TRACEPARENT)
          .statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> !posted.isEmpty());
      String export = new String(posted.get(0), java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(export).contains("edge-limits").contains("POST /v1/check")
          .contains("sluice.domain")
          .contains(new String(java.util.HexFormat.of().parseHex(TRACE),
              java.nio.charset.StandardCharsets.ISO_8859_1));
    } finally {
      props.keySet().forEach(System::clearProperty);
      collector.stop().join();
    }
  }

  @Test
  void anOpenTelemetryConfigurationSluiceCannotUseStopsTheStartWithItsReason() {
    String key = "otel.exporter.otlp.protocol";
    System.setProperty(key, "grpc");
    try {
      assertThatThrownBy(() -> Running.start(dir, Map.of("api.yaml", RULES),
          Map.of("tracing", "true")))
          .isInstanceOf(ServerConfig.ConfigException.class)
          .hasMessageContaining("tracing")
          .hasMessageContaining("http/protobuf");
    } finally {
      System.clearProperty(key);
    }
  }
}
