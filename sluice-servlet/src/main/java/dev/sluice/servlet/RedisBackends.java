package dev.sluice.servlet;

import dev.sluice.enforcement.settings.EnforcementSettings;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;

/** Touches sluice-redis (an optional dependency) only when a Redis URI is configured. */
final class RedisBackends {

  private RedisBackends() {}

  static boolean available() {
    try {
      Class.forName("dev.sluice.redis.RedisBackend", false, RedisBackends.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** A Redis backend on {@code uri} with the failure policy and timeout of {@code settings}. */
  static Backend create(String uri, Settings settings) {
    return RedisBackend.builder(uri)
        .failurePolicy(settings.get(EnforcementSettings.FAILURE_POLICY))
        .timeout(settings.get(EnforcementSettings.REDIS_TIMEOUT))
        .build();
  }
}
