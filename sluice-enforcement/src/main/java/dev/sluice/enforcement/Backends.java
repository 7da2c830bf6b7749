package dev.sluice.enforcement;

import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;

/**
 * Builds the backend a {@link BackendSpec} describes: the one place a front end turns settings
 * into a {@link Backend} (the service, the servlet filter, Spring Boot). Redis needs {@code
 * dev.sluice:sluice-redis} on the class path, touched only when a Redis URI is given.
 */
public final class Backends {

  private Backends() {}

  /**
   * The backend of {@code spec}: a {@link MemoryBackend} (of at most {@code maxKeys} keys), or a
   * Redis backend, connected (and
   * warmed up if the spec says so) when Redis answers; one that starts without Redis answers by
   * its failure policy until Redis is back.
   *
   * @throws IllegalArgumentException when the Redis URI is malformed (naming the part that is
   *     wrong) or sluice-redis is missing
   */
  public static Backend open(BackendSpec spec) {
    if (!spec.isRedis()) {
      return MemoryBackend.builder().maxKeys(spec.maxKeys()).build();
    }
    if (!redisAvailable()) {
      throw new IllegalArgumentException(
          "a Redis URI needs dev.sluice:sluice-redis on the classpath");
    }
    return RedisSupport.open(spec);
  }

  /** Whether sluice-redis is on the class path. */
  public static boolean redisAvailable() {
    try {
      Class.forName("dev.sluice.redis.RedisBackend", false, Backends.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
