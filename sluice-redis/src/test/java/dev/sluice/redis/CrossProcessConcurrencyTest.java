package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given one key hammered at once by threads in this JVM and in a second JVM, every algorithm
 * admits exactly its allowance: no lost update, no over-admission.
 */
@ExtendWith(RealRedis.class)
class CrossProcessConcurrencyTest {

  private static final long COUNT = 300;
  private static final long NOW = 1_700_000_000_000_000L;

  @Test
  void twoProcessesAndThreadsOnOneKeyAdmitExactlyTheAllowance(RedisStandalone server)
      throws Exception {
    String prefix = "xproc:";
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ConcurrencyWorker.class.getName(), server.uri(), prefix, Long.toString(NOW),
        Long.toString(COUNT), "4", "100")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (RedisBackend redis = RedisBackend.builder(server.uri()).keyPrefix(prefix)
            .clock(() -> NOW).timeout(Duration.ofSeconds(10))
            .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        BufferedReader out = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Writer go = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
      assertThat(out.readLine()).isEqualTo("READY");
      for (Algorithm a : Algorithm.values()) {
        go.write("go\n");
        go.flush();
        int here = ConcurrencyWorker.hammer(redis, a, COUNT, 4, 100);
        int there = Integer.parseInt(out.readLine());
        assertThat(here + there).as(a.name() + ": %d here + %d there", here, there)
            .isEqualTo(COUNT);
      }
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isZero();
    } finally {
      child.destroyForcibly();
    }
  }
}
