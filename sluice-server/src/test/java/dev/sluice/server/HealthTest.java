package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.sluice.testkit.redis.RedisStandalone;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * envoy's {@code /healthcheck} and the gRPC health service over real sockets: healthy when ready,
 * unhealthy while rules never loaded, while a fail-closed Redis is cut off, and once draining
 * (decisions still answered).
 */
class HealthTest {

  @TempDir Path dir;

  static HealthGrpc.HealthBlockingStub health(Running s) {
    return GrpcClients.newClient("http://127.0.0.1:" + s.server.grpcPort() + "/",
        HealthGrpc.HealthBlockingStub.class);
  }

  static ServingStatus check(Running s, String service) {
    return health(s).check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  @Test
  void readyIsHealthyOnBothProtocols() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of())) {
      HttpResponse<String> r = s.get("/healthcheck");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("OK");
      // any method, as envoy's handler
      HttpResponse<String> head = s.send(HttpRequest.newBuilder(s.uri("/healthcheck"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(check(s, "")).isEqualTo(ServingStatus.SERVING);
      assertThat(check(s, "ratelimit")).isEqualTo(ServingStatus.SERVING);
      assertThatThrownBy(() -> check(s, "no.such.Service"))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      // not on the admin port
      assertThat(s.adminGet("/healthcheck").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void rulesNeverLoadedIsUnhealthyUntilTheyDo() throws Exception {
    Files.writeString(dir.resolve("api.yaml"), "domain: [\n");
    try (Running s = Running.start(dir, Map.of(), Map.of("reload-interval", "50ms"))) {
      HttpResponse<String> r = s.get("/healthcheck");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).isEmpty();
      assertThat(check(s, "ratelimit")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(check(s, "")).isEqualTo(ServingStatus.NOT_SERVING);

      Files.writeString(dir.resolve("api.yaml"), HttpApiTest.RULES);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (s.get("/healthcheck").statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(s.get("/healthcheck").statusCode()).isEqualTo(200);
      while (check(s, "ratelimit") != ServingStatus.SERVING && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(check(s, "ratelimit")).isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void failClosedRedisCutOffIsUnhealthy() throws Exception {
    RedisStandalone redis = RedisStandalone.start();
    String uri = redis.uri();
    redis.close();
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES),
        Map.of("backend", uri, "failure-policy", "fail-closed"))) {
      for (int i = 0; i < 10; i++) {
        s.post("/json", Running.envoy("api", "user", "down")); // opens the circuit
      }
      assertThat(s.get("/healthcheck").statusCode()).isEqualTo(500);
      assertThat(check(s, "ratelimit")).isEqualTo(ServingStatus.NOT_SERVING);
    }
  }

  @Test
  void drainingIsUnhealthyAtOnceWhileDecisionsAreStillAnswered() throws Exception {
    try (Running s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of())) {
      BlockingQueue<ServingStatus> watched = new LinkedBlockingQueue<>();
      HealthGrpc.HealthStub async = GrpcClients.newClient(
          "http://127.0.0.1:" + s.server.grpcPort() + "/", HealthGrpc.HealthStub.class);
      async.watch(HealthCheckRequest.newBuilder().setService("ratelimit").build(),
          new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse value) {
              watched.add(value.getStatus());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      assertThat(watched.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

      s.server.drain();
      assertThat(s.server.draining()).isTrue();
      assertThat(s.get("/healthcheck").statusCode()).isEqualTo(500);
      assertThat(check(s, "ratelimit")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(check(s, "")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(watched.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
      HttpResponse<String> ready = s.get("/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonNode body = HttpApiTest.JSON.readTree(ready.body());
      assertThat(body.path("backend").asText()).isEqualTo("draining");
      assertThat(s.adminGet("/readyz").statusCode()).isEqualTo(503);
      assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
      // decisions go on
      assertThat(s.post("/json", Running.envoy("api", "user", "draining")).statusCode())
          .isEqualTo(200);
      // a later refresh does not bring it back
      Thread.sleep(Health.REFRESH.toMillis() + 200);
      assertThat(check(s, "ratelimit")).isEqualTo(ServingStatus.NOT_SERVING);
    }
  }
}
