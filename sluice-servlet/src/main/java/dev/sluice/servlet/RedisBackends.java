package dev.sluice.servlet;

import dev.sluice.redis.FailurePolicy;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

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

  /** {@code fail-open}, {@code fail-closed} or {@code local-fallback}, any case, - or _. */
  static Object policy(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    if (!available()) {
      if (t.equals("FAIL_OPEN") || t.equals("FAIL_CLOSED") || t.equals("LOCAL_FALLBACK")) {
        return t;
      }
    } else {
      for (FailurePolicy p : FailurePolicy.values()) {
        if (p.name().equals(t)) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("unknown failure policy '" + text
        + "'; use fail-open, fail-closed or local-fallback");
  }

  static Backend create(String uri, @Nullable Object policy, @Nullable Duration timeout) {
    RedisBackend.Builder b = RedisBackend.builder(uri);
    if (policy != null) {
      b.failurePolicy((FailurePolicy) policy);
    }
    if (timeout != null) {
      b.timeout(timeout);
    }
    return b.build();
  }
}
