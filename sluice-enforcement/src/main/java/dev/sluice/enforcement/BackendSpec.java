package dev.sluice.enforcement;

import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.settings.EnforcementSettings;
import dev.sluice.enforcement.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where limiter state lives, as plain values: this process's memory (holding at most {@code
 * maxKeys} keys), or Redis (standalone, Sentinel or Cluster, by the URI's scheme) with what to
 * answer when Redis cannot and how long to wait for it. {@link Backends#open(BackendSpec)} builds
 * the backend. Immutable.
 *
 * @param redisUri the Redis URI ({@code redis://}, {@code rediss://}, {@code redis-sentinel://},
 *     {@code redis-cluster://}); null for memory
 * @param failurePolicy what a Redis backend answers while Redis is away (unused in memory)
 * @param redisTimeout how long one Redis decision may take before the failure policy answers;
 *     null for the Redis backend's default (50 ms)
 * @param redisStartTimeout how long one Redis decision may take during the backend's first minute
 *     (never less than {@code redisTimeout}; zero: {@code redisTimeout} from the start); null for
 *     the Redis backend's default (1 s)
 * @param maxKeys the most keys the memory backend holds at once (unused for Redis)
 * @param warmUp whether opening a Redis backend warms it up before it returns
 * @param redisTls the PEM files of a TLS connection to Redis ({@code rediss://}); null for the
 *     JVM's trust store and no client certificate
 * @param overLimitCacheBytes Redis: the budget of the cache of keys known to be over their limits
 *     until their retry time (envoy's {@code LOCAL_CACHE_SIZE_IN_BYTES}); 0: off
 */
public record BackendSpec(@Nullable String redisUri, FailurePolicy failurePolicy,
    @Nullable Duration redisTimeout, @Nullable Duration redisStartTimeout, long maxKeys,
    boolean warmUp, @Nullable RedisTls redisTls, long overLimitCacheBytes) {

  /**
   * The PEM files of a TLS connection to Redis: a client certificate chain and its unencrypted
   * PKCS#8 key (both or neither), and CA certificates to trust instead of the JVM's; each may be
   * null. The backend reads and checks them when it opens.
   */
  public record RedisTls(@Nullable Path clientCertificate, @Nullable Path clientKey,
      @Nullable Path trustedCertificates) {
    /** @throws IllegalArgumentException when only one of the certificate and its key is given */
    public RedisTls {
      if ((clientCertificate == null) != (clientKey == null)) {
        throw new IllegalArgumentException("a client certificate and its key go together");
      }
    }
  }

  /** The memory backend's bound unless one is given. */
  public static final long DEFAULT_MAX_KEYS = 1_000_000;

  private static final Pattern REDIS_URI = Pattern.compile("rediss?(-sentinel|-cluster)?://.+",
      Pattern.CASE_INSENSITIVE);

  /**
   * @throws IllegalArgumentException when the URI is not a Redis URI, the timeout or the bound is
   *     not positive
   */
  public BackendSpec {
    Objects.requireNonNull(failurePolicy, "failurePolicy must not be null");
    if (redisUri != null && !REDIS_URI.matcher(redisUri).matches()) {
      throw new IllegalArgumentException("'" + redisUri + "' is neither 'memory' nor a Redis URI"
          + " (redis://host:port, rediss://, redis-sentinel://, redis-cluster://)");
    }
    if (redisTimeout != null && (redisTimeout.isNegative() || redisTimeout.isZero())) {
      throw new IllegalArgumentException("redis timeout must be positive, was " + redisTimeout);
    }
    if (redisStartTimeout != null && redisStartTimeout.isNegative()) {
      throw new IllegalArgumentException("redis start timeout must be >= 0, was "
          + redisStartTimeout);
    }
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be >= 1, was " + maxKeys);
    }
    if (overLimitCacheBytes < 0) {
      throw new IllegalArgumentException("overLimitCacheBytes must be >= 0, was "
          + overLimitCacheBytes);
    }
  }

  /** State in this process's memory. */
  public static BackendSpec memory() {
    return new BackendSpec(null, FailurePolicy.FAIL_OPEN, null, null, DEFAULT_MAX_KEYS, true,
        null, 0);
  }

  /** State in Redis at {@code uri}, fail-open, with the default timeout, warmed up on open. */
  public static BackendSpec redis(String uri) {
    return new BackendSpec(Objects.requireNonNull(uri, "uri must not be null").trim(),
        FailurePolicy.FAIL_OPEN, null, null, DEFAULT_MAX_KEYS, true, null, 0);
  }

  /**
   * {@code memory} (any case) or a Redis URI, surrounding blanks ignored.
   *
   * @throws IllegalArgumentException naming the text and what is accepted
   */
  public static BackendSpec of(String target) {
    String t = Objects.requireNonNull(target, "backend must not be null").trim();
    return t.equalsIgnoreCase("memory") ? memory() : redis(t);
  }

  /**
   * The spec of the shared backend settings ({@link EnforcementSettings#BACKEND_SETTINGS}: {@code
   * backend}, {@code failure-policy}, {@code redis-timeout}, {@code redis-start-timeout}, {@code
   * max-keys}) as {@code settings}
   * hold them.
   */
  public static BackendSpec from(Settings settings) {
    return of(settings.get(EnforcementSettings.BACKEND))
        .withFailurePolicy(settings.get(EnforcementSettings.FAILURE_POLICY))
        .withRedisTimeout(settings.get(EnforcementSettings.REDIS_TIMEOUT))
        .withRedisStartTimeout(settings.get(EnforcementSettings.REDIS_START_TIMEOUT))
        .withMaxKeys(settings.get(EnforcementSettings.MAX_KEYS));
  }

  /**
   * This spec with a Redis over-limit cache of {@code bytes} (0: off): denials are kept until
   * their retry time and answered without a script call.
   */
  public BackendSpec withOverLimitCache(long bytes) {
    return new BackendSpec(redisUri, failurePolicy, redisTimeout, redisStartTimeout,
        maxKeys, warmUp, redisTls, bytes);
  }

  /** This spec with {@code policy}. */
  public BackendSpec withFailurePolicy(FailurePolicy policy) {
    return new BackendSpec(redisUri, policy, redisTimeout, redisStartTimeout,
        maxKeys, warmUp, redisTls, overLimitCacheBytes);
  }

  /** This spec with a Redis timeout of {@code timeout}. */
  public BackendSpec withRedisTimeout(Duration timeout) {
    return new BackendSpec(redisUri, failurePolicy, Objects.requireNonNull(timeout, "timeout"),
        redisStartTimeout,
        maxKeys, warmUp, redisTls, overLimitCacheBytes);
  }

  /** This spec with a Redis timeout of {@code timeout} during the backend's first minute. */
  public BackendSpec withRedisStartTimeout(Duration timeout) {
    return new BackendSpec(redisUri, failurePolicy, redisTimeout,
        Objects.requireNonNull(timeout, "timeout"), maxKeys, warmUp, redisTls,
        overLimitCacheBytes);
  }

  /** This spec with a memory backend of at most {@code maxKeys} keys. */
  public BackendSpec withMaxKeys(long maxKeys) {
    return new BackendSpec(redisUri, failurePolicy, redisTimeout, redisStartTimeout,
        maxKeys, warmUp, redisTls, overLimitCacheBytes);
  }

  /** This spec warming a Redis backend up on open, or not. */
  public BackendSpec withWarmUp(boolean on) {
    return new BackendSpec(redisUri, failurePolicy, redisTimeout, redisStartTimeout,
        maxKeys, on, redisTls, overLimitCacheBytes);
  }

  /** This spec with the PEM files of a TLS connection to Redis, or none (null). */
  public BackendSpec withRedisTls(@Nullable RedisTls tls) {
    return new BackendSpec(redisUri, failurePolicy, redisTimeout, redisStartTimeout,
        maxKeys, warmUp, tls, overLimitCacheBytes);
  }

  /** Whether state lives in Redis. */
  public boolean isRedis() {
    return redisUri != null;
  }

  /** The Redis URI, if state lives in Redis. */
  public Optional<String> redis() {
    return Optional.ofNullable(redisUri);
  }

  /** The URI without its password, for logs and messages. */
  public static String redacted(String uri) {
    return uri.replaceAll("://[^@/]*@", "://***@");
  }

  @Override
  public String toString() {
    return redisUri == null ? "memory (at most " + maxKeys + " keys)"
        : redacted(redisUri) + " (" + failurePolicy.name().toLowerCase(Locale.ROOT).replace('_', '-')
            + (redisTimeout == null ? "" : ", timeout " + redisTimeout.toMillis() + "ms") + ")";
  }
}
