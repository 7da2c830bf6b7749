package dev.sluice.server.fleet;

import dev.sluice.testkit.redis.RedisStandalone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base of a fleet test class: one real {@code redis-server} and a fleet of {@code sluice
 * serve} processes on it, started once by the subclass's {@code @BeforeAll} through {@link
 * #startFleet}, stopped by pid after the class; before each test, a Redis or an instance a test
 * killed is started again.
 */
abstract class StandaloneFleet {

  @TempDir static Path dir;
  static RedisStandalone redis;
  static Fleet fleet;

  /** Starts Redis and {@code instances} servers on {@code rules} (one YAML file) and settings. */
  static void startFleet(int instances, String rules, Map<String, String> settings)
      throws Exception {
    Path rulesDir = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rulesDir.resolve("fleet.yaml"), rules);
    redis = RedisStandalone.start();
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.put("backend", redis.uri());
    fleet = Fleet.start(instances, dir, rulesDir, all);
  }

  @AfterAll
  static void stopFleet() {
    if (fleet != null) {
      fleet.close();
      fleet = null;
    }
    if (redis != null) {
      redis.close();
      redis = null;
    }
  }

  @BeforeEach
  void everyInstanceAndRedisRunning() {
    if (!redis.node().isRunning()) {
      redis.node().restart();
    }
    fleet.reviveAll();
  }
}
