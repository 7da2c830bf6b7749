package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code sluice serve} process sent SIGTERM by pid: its health checks fail at once while
 * decisions are still answered over HTTP and gRPC, and it exits once {@code drain-period} is over.
 */
class DrainIT {

  private static final Pattern LISTENING =
      Pattern.compile("serving HTTP on 127\\.0\\.0\\.1:(\\d+), gRPC on 127\\.0\\.0\\.1:(\\d+)");
  private static final Duration DRAIN = Duration.ofSeconds(4);

  @TempDir Path dir;

  @Test
  void sigtermReportsUnhealthyAtOnceKeepsDecidingThenExitsAfterTheDrainPeriod() throws Exception {
    Path rules = Path.of(System.getProperty("user.dir")).resolve("../config").normalize();
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(List.of(Processes.java(), "-jar",
        Processes.shadedJar().toString(), "serve", "--http-port", "0", "--grpc-port", "0",
        "--admin-port", "0", "--rules", rules.toString(),
        "--drain-period", DRAIN.toSeconds() + "s"))
        .directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    Process p = pb.start();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as(Files.readString(err)).isNotNull();
      Matcher m = LISTENING.matcher(line);
      assertThat(m.find()).as(line).isTrue();
      int httpPort = Integer.parseInt(m.group(1));
      int grpcPort = Integer.parseInt(m.group(2));
      HttpClient http = HttpClient.newHttpClient();
      HealthGrpc.HealthBlockingStub health = GrpcClients.newClient(
          "http://127.0.0.1:" + grpcPort + "/", HealthGrpc.HealthBlockingStub.class);
      RateLimitServiceBlockingStub rls = GrpcClients.newClient(
          "http://127.0.0.1:" + grpcPort + "/", RateLimitServiceBlockingStub.class);
      HealthCheckRequest ratelimit = HealthCheckRequest.newBuilder().setService("ratelimit")
          .build();

      assertThat(get(http, httpPort, "/healthcheck").statusCode()).isEqualTo(200);
      assertThat(health.check(ratelimit).getStatus()).isEqualTo(ServingStatus.SERVING);

      long signalled = System.nanoTime();
      ProcessHandle.of(p.pid()).orElseThrow().destroy(); // SIGTERM
      // unhealthy at once: well within the drain period
      int status;
      do {
        status = get(http, httpPort, "/healthcheck").statusCode();
      } while (status == 200 && System.nanoTime() - signalled < TimeUnit.SECONDS.toNanos(1));
      assertThat(status).isEqualTo(500);
      assertThat(health.check(ratelimit).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(get(http, httpPort, "/readyz").statusCode()).isEqualTo(503);
      // decisions are still answered, on both protocols
      HttpResponse<String> decision = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + httpPort + "/json"))
          .timeout(Duration.ofSeconds(5))
          .POST(HttpRequest.BodyPublishers.ofString("{\"domain\":\"quickstart\",\"descriptors\":"
              + "[{\"entries\":[{\"key\":\"user\",\"value\":\"drain\"}]}]}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(decision.statusCode()).isEqualTo(200);
      assertThat(decision.body()).contains("\"overallCode\":\"OK\"");
      RateLimitResponse grpc = rls.shouldRateLimit(RateLimitRequest.newBuilder()
          .setDomain("quickstart").addDescriptors(RateLimitDescriptor.newBuilder().addEntries(
              RateLimitDescriptor.Entry.newBuilder().setKey("user").setValue("drain-grpc")))
          .build());
      assertThat(grpc.getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
      assertThat(p.isAlive()).isTrue();

      assertThat(p.waitFor(DRAIN.toMillis() + 10_000, TimeUnit.MILLISECONDS))
          .as("exits within the drain period and a margin").isTrue();
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
      assertThat(tookMillis).as("stayed up for the drain period")
          .isGreaterThanOrEqualTo(DRAIN.toMillis() - 200);
      assertThat(Files.readString(err)).contains("draining: reported unhealthy");
    } finally {
      p.destroyForcibly();
    }
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
