package dev.sluice.enforcement;

import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import java.time.Duration;
import java.util.Objects;

/**
 * The only class here that touches sluice-redis (an optional dependency), loaded once {@link
 * Backends#redisAvailable()} said it is there.
 */
final class RedisSupport {

  private RedisSupport() {}

  static Backend open(BackendSpec spec) {
    RedisBackend.Builder b = RedisBackend.builder(Objects.requireNonNull(spec.redisUri()))
        .failurePolicy(spec.failurePolicy())
        .warmUp(spec.warmUp())
        .overLimitCache(spec.overLimitCacheBytes());
    Duration timeout = spec.redisTimeout();
    if (timeout != null) {
      b.timeout(timeout);
    }
    Duration startTimeout = spec.redisStartTimeout();
    if (startTimeout != null) {
      b.startTimeout(startTimeout);
    }
    BackendSpec.RedisTls tls = spec.redisTls();
    if (tls != null) {
      if (tls.clientCertificate() != null && tls.clientKey() != null) {
        b.clientCertificate(tls.clientCertificate(), tls.clientKey());
      }
      if (tls.trustedCertificates() != null) {
        b.trustedCertificates(tls.trustedCertificates());
      }
    }
    return b.build();
  }
}
