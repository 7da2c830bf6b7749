package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar sluice.jar serve} as a real process on free ports, called over HTTP. */
class ServeIT {

  private static final Pattern LISTENING =
      Pattern.compile("serving HTTP on 127\\.0\\.0\\.1:(\\d+), gRPC on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path dir;

  @Test
  void servesTheShippedSampleRulesAndStopsOnSigterm() throws Exception {
    Path rules = Path.of(System.getProperty("user.dir")).resolve("../config").normalize();
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(List.of(Processes.java(), "-jar",
        Processes.shadedJar().toString(), "serve", "--http-port", "0", "--grpc-port", "0",
        "--admin-port", "0", "--rules", rules.toString()))
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
      int port = Integer.parseInt(m.group(1));
      HttpClient http = HttpClient.newHttpClient();
      String body = "{\"domain\":\"quickstart\",\"descriptors\":[{\"entries\":"
          + "[{\"key\":\"user\",\"value\":\"it\"}]}]}";
      List<Integer> codes = new java.util.ArrayList<>();
      dev.sluice.server.Running.clearOfAMinuteBoundary();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/json"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        codes.add(r.statusCode());
      }
      assertThat(codes).containsExactly(200, 200, 200, 429);
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      p.destroy(); // SIGTERM: the shutdown hook stops the servers
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aBadSettingStopsStartupNamingIt() throws Exception {
    Processes.Result r = Processes.run(dir, Map.of("SLUICE_GRPC_PORT", "seven"), List.of(
        Processes.java(), "-jar", Processes.shadedJar().toString(), "serve"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("sluice serve: invalid grpc-port 'seven' (from environment"
        + " SLUICE_GRPC_PORT): expected an integer in 0..65535");
  }
}
