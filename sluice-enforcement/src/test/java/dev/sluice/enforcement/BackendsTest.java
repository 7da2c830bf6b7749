package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one place settings become a backend. */
class BackendsTest {

  @Test
  void memoryIsTheDefaultAndTheWordMemoryInAnyCase() {
    assertThat(BackendSpec.of(" Memory ")).isEqualTo(BackendSpec.memory());
    assertThat(BackendSpec.memory().isRedis()).isFalse();
    assertThat(BackendSpec.memory()).hasToString("memory (at most 1000000 keys)");
    try (Backend b = Backends.open(BackendSpec.memory())) {
      assertThat(b).isInstanceOf(MemoryBackend.class);
    }
  }

  @Test
  void anythingElseMustBeARedisUri() {
    assertThat(BackendSpec.of("redis-sentinel://h:26379/mymaster").redis())
        .hasValue("redis-sentinel://h:26379/mymaster");
    assertThatThrownBy(() -> BackendSpec.of("mysql://db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'mysql://db' is neither 'memory' nor a Redis URI (redis://host:port,"
            + " rediss://, redis-sentinel://, redis-cluster://)");
    assertThatThrownBy(() -> BackendSpec.redis("redis://h").withRedisTimeout(Duration.ZERO))
        .hasMessage("redis timeout must be positive, was PT0S");
    assertThatThrownBy(() -> Backends.open(BackendSpec.redis("redis://localhost:99999")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(BackendSpec.redis("redis://:secret@h:6379").withFailurePolicy(
        FailurePolicy.LOCAL_FALLBACK).withRedisTimeout(Duration.ofMillis(20)))
        .hasToString("redis://***@h:6379 (local-fallback, timeout 20ms)");
  }

  @Test
  void aRedisBackendGetsThePolicyAndTimeoutOfTheSpec() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free, and nothing listens once closed
    }
    BackendSpec spec = BackendSpec.of("redis://127.0.0.1:" + port)
        .withFailurePolicy(FailurePolicy.FAIL_CLOSED).withRedisTimeout(Duration.ofMillis(20))
        .withWarmUp(false);
    try (Backend b = Backends.open(spec)) {
      assertThat(b).isInstanceOf(RedisBackend.class);
      assertThat(((RedisBackend) b).failurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);
      Decision d = RateLimiter.create(b, List.of(Limit.perSecond(5))).tryAcquire("k");
      assertThat(d.allowed()).isFalse();
      assertThat(d.degraded()).isTrue();
      assertThat(d.reason()).isEqualTo(Decision.Reason.BACKEND_UNAVAILABLE);
    }
  }
}
