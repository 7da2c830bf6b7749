package dev.sluice.redis;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Part;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limiter state in Redis (standalone, Sentinel or Cluster), shared by every process that uses the
 * same server and key prefix.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.builder("redis://localhost:6379")
 *     .failurePolicy(FailurePolicy.LOCAL_FALLBACK)
 *     .build();
 * RateLimiter limiter = RateLimiter.create(redis, Limit.parseAll("10/second;1000/day"));
 * }</pre>
 *
 * <p><b>Exactness.</b> Each decision is one Lua script call that evaluates every limit of the key
 * atomically and all-or-nothing, with the same integer arithmetic as the in-memory backend: for the
 * same times and permits, both give identical decisions. Time is the Redis server's ({@code TIME})
 * unless {@link Builder#clock(Clock)} sets a caller clock. Every key written expires when its state
 * would equal "no state". Decisions queued while a call is in flight are {@link
 * Builder#coalescing(boolean) coalesced} into the next call: one script evaluates many decisions.
 *
 * <p><b>Sharing.</b> Limiters with equal limits and the same {@link Builder#keyPrefix(String) key
 * prefix} share state for equal keys, in this process and in others: that is what makes the limit
 * global. Give limiters that must stay independent different limit names or prefixes.
 *
 * <p><b>Start.</b> {@link Builder#build()} connects and {@link #warmUp() warms up} before it
 * returns: every script is loaded on every node, connections are open and the decision path has
 * run. A JVM still compiles while it serves its first requests, so for a {@link
 * Builder#startPeriod(Duration) start period} (1 minute) decisions wait up to {@link
 * Builder#startTimeout(Duration)} (1 s) rather than the timeout: a healthy Redis answers them all,
 * and none is answered by the failure policy for want of time (see {@code docs/redis.md},
 * "Start").
 *
 * <p><b>Failures.</b> When Redis does not answer within {@link Builder#timeout(Duration)}, or is
 * down, the {@link FailurePolicy} answers instead; after {@link Builder#circuitBreaker(int,
 * Duration) a few} consecutive failures, calls stop trying Redis for a short while (no timeout per
 * call), then one probe checks whether it is back. Recovery is automatic. Degraded decisions are
 * counted ({@link #degradedDecisions()}) and logged once per outage, not per call.
 */
public final class RedisBackend implements Backend {

  private static final Logger LOG = LoggerFactory.getLogger(RedisBackend.class);
  private static final long REMIND_NANOS = Duration.ofMinutes(1).toNanos();

  final RedisTarget target;
  final Connector connector;
  final String keyPrefix;
  final @Nullable Clock clock;
  final FailurePolicy policy;
  final long timeoutNanos;
  /** The wait per decision while the JVM is new ({@link Builder#startTimeout}), ns. */
  private final long startTimeoutNanos;
  /** When the start period ends, on {@link System#nanoTime()}'s scale. */
  private final long startEndsNanos;
  /** False once the start period has ended (then no decision reads the time for it again). */
  private volatile boolean starting;
  final long ttlMarginMillis;
  final CircuitBreaker breaker;
  final boolean coalesce;
  private final @Nullable MemoryBackend fallback;
  /** Denials known until their retry time ({@link Builder#overLimitCache}); null: off. */
  final @Nullable OverLimitCache overLimitCache;
  private final LongAdder degraded = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final AtomicBoolean healthy = new AtomicBoolean(true);
  private final AtomicLong lastWarn = new AtomicLong();
  private final LongAdder degradedThisOutage = new LongAdder();
  private final Duration warmUpTimeout;
  private final AtomicReference<CompletableFuture<Void>> warming = new AtomicReference<>();
  private volatile boolean warm;
  private volatile boolean closed;

  private RedisBackend(Builder b, RedisTarget target) {
    this.target = target;
    this.keyPrefix = b.keyPrefix;
    this.clock = b.clock;
    this.policy = b.policy;
    this.timeoutNanos = b.timeout.toNanos();
    this.startTimeoutNanos = Math.max(timeoutNanos, b.startTimeout.toNanos());
    // An operational timer (how long to wait for Redis), never an input of a decision.
    this.startEndsNanos = System.nanoTime() + b.startPeriod.toNanos();
    this.starting = startTimeoutNanos > timeoutNanos && !b.startPeriod.isZero();
    this.ttlMarginMillis = b.clock == null ? 0 : b.clockSkew.toMillis();
    this.breaker = new CircuitBreaker(b.breakerFailures, b.breakerOpenFor.toNanos());
    this.coalesce = b.coalesce;
    this.fallback = b.policy == FailurePolicy.LOCAL_FALLBACK
        ? MemoryBackend.builder().clock(b.clock != null ? b.clock : Clock.system()).build()
        : null;
    this.connector = new Connector(target, b.connectTimeout, b.tls.sslOptions());
    this.warmUpTimeout = b.warmUpTimeout;
    this.overLimitCache = b.overLimitCacheBytes > 0 ? new OverLimitCache(b.overLimitCacheBytes)
        : null;
  }

  /**
   * Acquires denied from the {@linkplain Builder#overLimitCache(long) over-limit cache}, without
   * a script call; 0 when it is off.
   */
  public long overLimitCacheHits() {
    return overLimitCache == null ? 0 : overLimitCache.hits();
  }

  /**
   * How long a decision made now waits for Redis: {@link Builder#startTimeout} during the {@link
   * Builder#startPeriod start period}, {@link Builder#timeout} after it.
   */
  long decisionTimeoutNanos() {
    if (starting) {
      if (System.nanoTime() - startEndsNanos < 0) {
        return startTimeoutNanos;
      }
      starting = false;
    }
    return timeoutNanos;
  }

  /** A backend for {@code uri} with the default settings (see {@link Builder}). */
  public static RedisBackend create(String uri) {
    return builder(uri).build();
  }

  /**
   * A builder for the Redis at {@code uri}: {@code redis://[[user:]password@]host[:port][/db]},
   * {@code rediss://...} (TLS), {@code redis-sentinel://host:port,host:port[/db]#master}, or
   * {@code redis-cluster://host:port,host:port} (seed nodes); TLS variants {@code
   * rediss-sentinel://} and {@code rediss-cluster://}.
   */
  public static Builder builder(String uri) {
    return new Builder(Objects.requireNonNull(uri, "uri must not be null"));
  }

  @Override
  public KeyedLimits open(List<Limit> limits) {
    if (closed) {
      throw new IllegalStateException("this RedisBackend is closed");
    }
    KeyedLimits local = fallback != null ? fallback.open(limits) : null;
    return new RedisLimits(this, limits, local);
  }

  /**
   * Limits that replace {@code predecessor}'s, keeping what each key used: before this client's
   * first request for a key, one script call moves the key's states under the predecessor (in the
   * same hash tag, so the same slot) to the new limits where the key has none, converted per
   * algorithm, and deletes them. A limit whose state key is unchanged (the same algorithm, count,
   * period, burst and name) keeps its state as it is. Keys are moved while the predecessor's
   * states can matter; the local fallback, if any, inherits from the predecessor's.
   *
   * @throws IllegalArgumentException when {@code predecessor} was not opened by this backend
   */
  @Override
  public KeyedLimits open(List<Limit> limits, KeyedLimits predecessor) {
    if (closed) {
      throw new IllegalStateException("this RedisBackend is closed");
    }
    if (!(predecessor instanceof RedisLimits from) || from.backend() != this) {
      throw new IllegalArgumentException("the predecessor was not opened by this RedisBackend");
    }
    KeyedLimits oldLocal = from.fallback();
    KeyedLimits local = fallback == null ? null
        : oldLocal != null ? fallback.open(limits, oldLocal) : fallback.open(limits);
    RedisLimits heir = new RedisLimits(this, limits, local);
    heir.inheritFrom(from);
    return heir;
  }

  /**
   * Takes every part or none ({@link Backend#acquireAllAsync}), atomically where Redis can: on a
   * single server or with Sentinel, one script call evaluates every part and writes only if all
   * admit. In a Cluster a script sees one hash slot only: parts whose keys share a slot are taken
   * in one atomic call, and the slots are combined by the compensating protocol, slot after slot
   * in a fixed order, the slots already taken refunded when one refuses (never over-admitting,
   * briefly under-admitting; permits taken by a process that dies before its refund stay taken
   * until their keys expire). When Redis cannot answer a call, the failure policy answers its
   * parts (see {@code docs/redis.md}, "Several descriptors").
   */
  @Override
  public CompletionStage<List<Decision>> acquireAllAsync(List<Part> parts) {
    if (closed) {
      throw new IllegalStateException("this RedisBackend is closed");
    }
    return AllOrNothing.acquire(this, parts);
  }

  /**
   * Warms this backend up, if it is not yet: connects (in a Cluster, to every node), loads every
   * script on every node ({@code SCRIPT LOAD}), and makes real script calls on throwaway keys for
   * every algorithm and operation, until this JVM has run the decision path enough for the JIT
   * (measured: see {@code docs/redis.md}, "Start"). {@link Builder#build()} does this already
   * unless {@link Builder#warmUp(boolean) told not to}; call it again after a warm-up failed (e.g.
   * Redis was unreachable at start). Warm-up calls wait up to the {@link
   * Builder#warmUpTimeout(Duration) warm-up timeout}, not the per-decision one, and are never
   * counted as failures or degraded decisions.
   *
   * @return completes once warm (at once if already), or exceptionally with {@link
   *     RedisUnavailableException} if Redis could not be reached or a step timed out; one log line
   *     either way
   */
  public CompletionStage<Void> warmUp() {
    for (;;) {
      CompletableFuture<Void> f = warming.get();
      if (f != null && !f.isCompletedExceptionally()) {
        return f.minimalCompletionStage();
      }
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "this RedisBackend is closed"));
      }
      CompletableFuture<Void> fresh = new CompletableFuture<>();
      if (!warming.compareAndSet(f, fresh)) {
        continue;
      }
      Thread t = new Thread(() -> {
        try {
          WarmUp.Result r = WarmUp.run(this, warmUpTimeout);
          warm = true;
          LOG.info("Redis {} warmed up in {}", target, r);
          fresh.complete(null);
        } catch (RuntimeException | Error e) {
          if (!closed) {
            LOG.warn("Redis {} not warmed up ({}); decisions follow {} when they cannot be made in"
                + " time until a warm-up succeeds", target,
                e instanceof RedisUnavailableException ? e.getMessage() : describe(e), policy);
          }
          fresh.completeExceptionally(e);
        }
      }, "sluice-redis-warm-up");
      t.setDaemon(true);
      t.start();
      return fresh.minimalCompletionStage();
    }
  }

  /** Whether a {@link #warmUp() warm-up} has completed. */
  public boolean warmedUp() {
    return warm;
  }

  /** Decisions answered by the failure policy instead of Redis, since this backend was built. */
  public long degradedDecisions() {
    return degraded.sum();
  }

  /** Redis calls that failed or timed out. */
  public long failures() {
    return failures.sum();
  }

  /** Whether the circuit breaker currently keeps calls away from Redis. */
  public boolean circuitOpen() {
    return breaker.state() != CircuitBreaker.State.CLOSED;
  }

  /** The failure policy in force. */
  public FailurePolicy failurePolicy() {
    return policy;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    connector.close();
    if (fallback != null) {
      fallback.close();
    }
  }

  boolean isClosed() {
    return closed;
  }

  void onSuccess() {
    breaker.onSuccess();
    if (!healthy.get() && healthy.compareAndSet(false, true)) {
      LOG.info("Redis {} is back; {} decisions were answered by {} meanwhile", target,
          degradedThisOutage.sumThenReset(), policy);
    }
  }

  void onFailure(Throwable error) {
    failures.increment();
    breaker.onFailure();
    if (healthy.compareAndSet(true, false)) {
      lastWarn.set(System.nanoTime());
      LOG.warn("Redis {} unavailable ({}); answering {} until it is back", target,
          describe(error), policy);
    }
  }

  void onDegraded() {
    degraded.increment();
    degradedThisOutage.increment();
    long last = lastWarn.get();
    long now = System.nanoTime();
    if (!healthy.get() && now - last > REMIND_NANOS && lastWarn.compareAndSet(last, now)) {
      LOG.warn("Redis {} still unavailable; {} decisions answered by {} so far", target,
          degradedThisOutage.sum(), policy);
    }
  }

  /** One line: the root cause's type and message, never a stack trace. */
  static String describe(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof TimeoutException) {
      return "no answer within the per-call timeout";
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg.lines().findFirst()
        .orElse(""));
  }

  @Override
  public String toString() {
    return "RedisBackend[" + target + ", " + policy + "]";
  }

  /** Settings of a {@link RedisBackend}; each is validated when set. */
  public static final class Builder {
    private final String uri;
    private String keyPrefix = "sluice:";
    private @Nullable Clock clock;
    private FailurePolicy policy = FailurePolicy.FAIL_OPEN;
    private Duration timeout = Duration.ofMillis(50);
    private Duration startTimeout = Duration.ofSeconds(1);
    private Duration startPeriod = Duration.ofMinutes(1);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private int breakerFailures = 5;
    private Duration breakerOpenFor = Duration.ofMillis(250);
    private Duration clockSkew = Duration.ofSeconds(10);
    private boolean coalesce = true;
    private long overLimitCacheBytes;
    private boolean warmUp = true;
    private Duration warmUpTimeout = Duration.ofSeconds(10);
    private final RedisTls tls = new RedisTls();

    private Builder(String uri) {
      this.uri = uri;
    }

    /**
     * Prepended to every key (default {@code "sluice:"}); must not contain <code>{</code> or
     * <code>}</code>.
     */
    public Builder keyPrefix(String keyPrefix) {
      Objects.requireNonNull(keyPrefix, "keyPrefix must not be null");
      KeyLayout.checkPrefix(keyPrefix);
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Decide at this clock's time instead of the Redis server's (tests with a {@link
     * dev.sluice.ManualClock}, or client-clock mode). Keys then live {@link
     * #clockSkewAllowance(Duration)} longer than their state needs, in case this clock runs behind
     * the server's.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Keep Redis's denials in this process until their retry time, in at most {@code bytes}
     * (envoy ratelimit's {@code LOCAL_CACHE_SIZE_IN_BYTES}; default 0: off): an acquire of a key
     * known to be over its limit for as many permits is denied without a script call.
     * Never admits; a refund or reset made elsewhere is seen only at the denial's retry time
     * (see {@code docs/redis.md}).
     */
    public Builder overLimitCache(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("overLimitCache must be >= 0 bytes, was " + bytes);
      }
      this.overLimitCacheBytes = bytes;
      return this;
    }

    /** Extra key lifetime when a caller {@link #clock(Clock)} is used (default 10 s). */
    public Builder clockSkewAllowance(Duration allowance) {
      Objects.requireNonNull(allowance, "clockSkewAllowance must not be null");
      if (allowance.isNegative()) {
        throw new IllegalArgumentException("clockSkewAllowance must be >= 0, was " + allowance);
      }
      this.clockSkew = allowance;
      return this;
    }

    /** What to answer when Redis cannot (default {@link FailurePolicy#FAIL_OPEN}). */
    public Builder failurePolicy(FailurePolicy policy) {
      this.policy = Objects.requireNonNull(policy, "failurePolicy must not be null");
      return this;
    }

    /** The longest a decision waits for Redis before the failure policy answers (default 50 ms). */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.isNegative() || timeout.isZero()
          || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("timeout must be in (0, 10 minutes], was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The longest a decision waits for Redis during the {@link #startPeriod(Duration) start
     * period} (default 1 s; never less than {@link #timeout(Duration)}). A new JVM still loads
     * and compiles code while it serves its first requests, and on a busy host its first
     * decisions can take longer than a timeout that suits it warm; answered by the failure policy,
     * they would over-admit (fail-open) or under-admit (fail-closed) although Redis is healthy.
     * An unreachable Redis is noticed as fast as later (a refused connection does not wait; the
     * circuit breaker opens after {@link #circuitBreaker(int, Duration) a
     * few} failures either way).
     */
    public Builder startTimeout(Duration startTimeout) {
      Objects.requireNonNull(startTimeout, "startTimeout must not be null");
      if (startTimeout.isNegative() || startTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("startTimeout must be in [0, 10 minutes], was "
            + startTimeout);
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /**
     * How long after {@link #build()} decisions wait {@link #startTimeout(Duration)} instead of
     * {@link #timeout(Duration)} (default 1 minute; zero: the timeout from the first decision).
     */
    public Builder startPeriod(Duration startPeriod) {
      Objects.requireNonNull(startPeriod, "startPeriod must not be null");
      if (startPeriod.isNegative() || startPeriod.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("startPeriod must be in [0, 1 day], was "
            + startPeriod);
      }
      this.startPeriod = startPeriod;
      return this;
    }

    /** How long connecting to Redis may take (default 1 s). */
    public Builder connectTimeout(Duration connectTimeout) {
      Objects.requireNonNull(connectTimeout, "connectTimeout must not be null");
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive, was "
            + connectTimeout);
      }
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * Whether decisions that queue while a script call is in flight leave together in the next
     * call (default true). Each is still exact and in arrival order; a lone request never waits.
     * Off: one script call per decision, all pipelined on the shared connection.
     */
    public Builder coalescing(boolean coalesce) {
      this.coalesce = coalesce;
      return this;
    }

    /**
     * Whether {@link #build()} {@link RedisBackend#warmUp() warms the backend up} before it returns
     * (default true). Off: {@code build()} only connects, and the first decisions of a fresh JVM
     * may take longer than {@link #timeout(Duration)} (then the failure policy answers them) until
     * {@link RedisBackend#warmUp()} is called or the JVM has warmed up by itself.
     */
    public Builder warmUp(boolean warmUp) {
      this.warmUp = warmUp;
      return this;
    }

    /**
     * The longest a {@link RedisBackend#warmUp() warm-up} may take, each of its calls included
     * (default 10 s; measured: well under a second, see {@code docs/redis.md}). Past it, the
     * warm-up fails and {@code build()} returns anyway.
     */
    public Builder warmUpTimeout(Duration warmUpTimeout) {
      Objects.requireNonNull(warmUpTimeout, "warmUpTimeout must not be null");
      if (warmUpTimeout.isNegative() || warmUpTimeout.isZero()
          || warmUpTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("warmUpTimeout must be in (0, 10 minutes], was "
            + warmUpTimeout);
      }
      this.warmUpTimeout = warmUpTimeout;
      return this;
    }

    /**
     * TLS ({@code rediss://} URIs): presents this client certificate to Redis, for servers that
     * require one ({@code tls-auth-clients yes}). {@code certificateChain} is a PEM file of
     * certificates, the client's first; {@code privateKey} its unencrypted PKCS#8 PEM key ({@code
     * -----BEGIN PRIVATE KEY-----}). Both are read and checked now; Lettuce reads them again
     * whenever it connects, so replaced files are used from the next reconnection.
     *
     * @throws IllegalArgumentException naming the file that cannot be read or used, and why
     */
    public Builder clientCertificate(Path certificateChain, Path privateKey) {
      Objects.requireNonNull(certificateChain, "certificateChain must not be null");
      Objects.requireNonNull(privateKey, "privateKey must not be null");
      tls.clientCertificate(certificateChain, privateKey);
      return this;
    }

    /**
     * TLS ({@code rediss://} URIs): trusts the server certificates that chain to the CA
     * certificates of this PEM file, instead of the JVM's default trust store (a private CA).
     * The URI's {@code verifyPeer} still applies (by default the host name is checked too).
     *
     * @throws IllegalArgumentException naming the file if it cannot be read or holds no
     *     certificate
     */
    public Builder trustedCertificates(Path caCertificates) {
      Objects.requireNonNull(caCertificates, "caCertificates must not be null");
      tls.trustedCertificates(caCertificates);
      return this;
    }

    /**
     * Opens the circuit after {@code consecutiveFailures} failed calls in a row, for {@code
     * openFor}, then probes with one call (defaults: 5 failures, 250 ms).
     */
    public Builder circuitBreaker(int consecutiveFailures, Duration openFor) {
      Objects.requireNonNull(openFor, "openFor must not be null");
      if (consecutiveFailures < 1) {
        throw new IllegalArgumentException("consecutiveFailures must be >= 1, was "
            + consecutiveFailures);
      }
      if (openFor.isNegative() || openFor.isZero()) {
        throw new IllegalArgumentException("openFor must be positive, was " + openFor);
      }
      this.breakerFailures = consecutiveFailures;
      this.breakerOpenFor = openFor;
      return this;
    }

    /**
     * The backend, connected and {@link RedisBackend#warmUp() warmed up} (unless {@link
     * #warmUp(boolean) told not to}). Waits at most the connect timeout for Redis, then at most the
     * {@link #warmUpTimeout(Duration) warm-up timeout}, and never fails for want of Redis: if it
     * is unreachable, decisions follow the failure policy (one log line says so) until it answers,
     * and {@link RedisBackend#warmedUp()} stays false until a later {@link RedisBackend#warmUp()}
     * succeeds.
     *
     * @throws IllegalArgumentException if the URI is malformed, naming the part that is wrong, or
     *     if certificates are set for a URI without TLS
     */
    public RedisBackend build() {
      // Lettuce reaps commands stuck on a hung server after this; decisions give up far earlier.
      Duration lettuceTimeout = Collections.max(List.of(timeout.multipliedBy(20),
          startTimeout.multipliedBy(2), Duration.ofSeconds(1)));
      RedisTarget target = RedisTarget.parse(uri, lettuceTimeout);
      if (tls.configured() && !target.uris.get(0).isSsl()) {
        throw new IllegalArgumentException("client and trusted certificates apply to TLS"
            + " connections only: use a rediss:// URI (rediss-sentinel://, rediss-cluster://),"
            + " not " + target.display);
      }
      RedisBackend backend = new RedisBackend(this, target);
      try {
        backend.connector.connection()
            .get(connectTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        backend.onFailure(e); // one log line; decisions follow the policy until Redis answers
        return backend;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return backend;
      }
      if (warmUp) {
        try {
          backend.warmUp().toCompletableFuture()
              .get(warmUpTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // logged by warmUp(); the backend works unwarmed until a warm-up succeeds
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return backend;
    }
  }
}
