package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.enforcement.Enforcer;
import dev.sluice.http.HeaderStyle;
import dev.sluice.rules.Consistency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: defaults, precedence command line > environment > file > default, and errors. */
class ServerConfigTest {

  @TempDir Path dir;

  @Test
  void defaults() {
    ServerConfig c = ServerConfig.defaults();
    assertThat(c.bind()).isEqualTo("127.0.0.1");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.grpcPort()).isEqualTo(8081);
    assertThat(c.rules()).isEqualTo(Path.of("config"));
    assertThat(c.backend()).isEqualTo("memory");
    assertThat(c.mergeDomains()).isFalse();
    assertThat(c.headers()).isEqualTo(HeaderStyle.BOTH);
    assertThat(c.maxDescriptors()).isEqualTo(1000);
    assertThat(c.maxEntries()).isEqualTo(100);
    assertThat(c.maxBodyBytes()).isEqualTo(1 << 20);
    assertThat(c.reloadInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.mode()).isEqualTo(Consistency.CONSISTENT);
    assertThat(c.syncInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.syncBatch()).isEqualTo(512);
    assertThat(c.firstSightSync()).isTrue();
  }

  @Test
  void distributedModeSettingsFromEverySource() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "mode: eventual\nsync-interval: 25ms\nsync-batch: 64\n");
    ServerConfig c = ServerConfig.resolve(Map.of("first-sight", "LOCAL"),
        Map.of("SLUICE_SYNC_BATCH", "128", "SLUICE_REDIS_TIMEOUT", "2s"), file);
    assertThat(c.mode()).isEqualTo(Consistency.EVENTUAL);
    assertThat(c.syncInterval()).isEqualTo(Duration.ofMillis(25));
    assertThat(c.syncBatch()).isEqualTo(128);
    assertThat(c.firstSightSync()).isFalse();
    assertThat(c.redisTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aBadDistributedModeSettingNamesItselfAndItsSource() throws Exception {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("mode", "strict"), Map.of(), null))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("invalid mode 'strict' (from --mode): expected consistent or eventual");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("SLUICE_SYNC_INTERVAL",
        "0ms"), null)).hasMessage("invalid sync-interval '0ms' (from environment"
            + " SLUICE_SYNC_INTERVAL): expected a duration between 1ms and 60s");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("sync-interval", "fast"), Map.of(),
        null)).hasMessage("invalid sync-interval 'fast' (from --sync-interval): expected a"
            + " duration such as 500ms or 2s");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("first-sight", "remote"), Map.of(),
        null)).hasMessage("invalid first-sight 'remote' (from --first-sight): expected local or"
            + " sync");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("redis-timeout", "2m"), Map.of(),
        null)).hasMessage("invalid redis-timeout '2m' (from --redis-timeout): expected a"
            + " duration such as 500ms or 2s");
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "sync-batch: 0\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of(), file))
        .hasMessage("invalid sync-batch '0' (from " + file + " key sync-batch): expected an"
            + " integer in 1..1000000");
  }

  @Test
  void descriptorCountingIsAllOrNothingUnlessSetFromAnySource() throws Exception {
    assertThat(ServerConfig.defaults().descriptorCounting())
        .isEqualTo(Enforcer.Counting.ALL_OR_NOTHING);
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "descriptor-counting: each\n");
    assertThat(ServerConfig.resolve(Map.of(), Map.of(), file).descriptorCounting())
        .isEqualTo(Enforcer.Counting.EACH);
    assertThat(ServerConfig.resolve(Map.of(), Map.of("SLUICE_DESCRIPTOR_COUNTING",
        "all_or_nothing"), file).descriptorCounting()).isEqualTo(Enforcer.Counting.ALL_OR_NOTHING);
    assertThat(ServerConfig.resolve(Map.of("descriptor-counting", "EACH"), Map.of(), null)
        .descriptorCounting()).isEqualTo(Enforcer.Counting.EACH);
    Files.writeString(file, "descriptor-counting: atomic\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of(), file))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("invalid descriptor-counting 'atomic' (from " + file + " key"
            + " descriptor-counting): expected all-or-nothing or each");
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "http-port: 9001\ngrpc-port: 9002\nrules: from-file\n"
        + "headers: ietf\n");
    ServerConfig c = ServerConfig.resolve(Map.of("http-port", "9100"),
        Map.of("SLUICE_HTTP_PORT", "9200", "SLUICE_GRPC_PORT", "9201",
            "MERGE_DOMAIN_CONFIG", "true"), file);
    assertThat(c.httpPort()).isEqualTo(9100);
    assertThat(c.grpcPort()).isEqualTo(9201);
    assertThat(c.rules()).isEqualTo(Path.of("from-file"));
    assertThat(c.headers()).isEqualTo(HeaderStyle.IETF);
    assertThat(c.mergeDomains()).isTrue();
    assertThat(c.maxEntries()).isEqualTo(100);
    assertThat(ServerConfig.envName("max-body-bytes")).isEqualTo("SLUICE_MAX_BODY_BYTES");
  }

  @Test
  void aBadSettingNamesItselfAndItsSource() throws Exception {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("http-port", "80x"), Map.of(), null))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessage("invalid http-port '80x' (from --http-port): expected an integer in"
            + " 0..65535");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("SLUICE_HEADERS", "loud"),
        null)).hasMessage("invalid headers 'loud' (from environment SLUICE_HEADERS): unknown"
            + " header style 'loud'; use one of x-ratelimit, ietf, both, none");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("backend", "mongo://x"), Map.of(),
        null)).hasMessageStartingWith("invalid backend 'mongo://x' (from --backend)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("reload-interval", "1ms"), Map.of(),
        null)).hasMessageContaining("between 50ms and 3600s");
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "http_port: 1\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of(), file))
        .hasMessageContaining("unknown setting 'http_port'");
    Files.writeString(file, "max-entries: 0\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of(), file))
        .hasMessage("invalid max-entries '0' (from " + file + " key max-entries): expected an"
            + " integer in 1..1000000");
  }

  @Test
  void aMalformedRedisUriIsAStartupErrorWithoutItsPassword() {
    ServerConfig c = ServerConfig.resolve(Map.of("backend", "redis://:secret@",
        "http-port", "0", "grpc-port", "0"), Map.of(), null);
    assertThat(c.toString()).doesNotContain("secret");
    assertThatThrownBy(() -> SluiceServer.start(c))
        .isInstanceOf(ServerConfig.ConfigException.class)
        .hasMessageStartingWith("invalid backend 'redis://***@'")
        .hasMessageNotContaining("secret");
  }
}
