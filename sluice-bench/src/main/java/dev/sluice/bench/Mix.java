package dev.sluice.bench;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * Which decision the measured calls get, and so which path each contender runs. The mix is the
 * same for every contender; the limit giving it is written in each contender's own terms. Setup
 * takes one permit per key before measuring.
 */
public enum Mix {
  /**
   * Every call admitted from a bucket that stays partly used, so each key keeps its state between
   * calls: the normal admitted path. Buckets hold 4,000,000,000 permits (more than any fork takes
   * from one key) refilled at 1 per second; windows (no burst) allow 90,000,000 per second.
   * Resilience4j allows Integer.MAX_VALUE per hour; Guava (burst fixed at one second of permits)
   * 1,000,000,000 per second.
   *
   * <p>The sliding log (count capped at 1,000,000 by Sluice) costs time per live entry, one per
   * microsecond with admissions in its window. A hot key admitting every call for a whole second
   * would hold up to a million entries, a case no one configures; so on one key its window is 1 ms
   * (at most 1,000 entries), on many keys 1 s (each key visited about ten times a second).
   */
  ADMIT {
    @Override
    public Limit sluiceLimit(Algorithm algorithm, int keys) {
      if (algorithm.hasBurst()) {
        return Limit.builder("1/second").burst(BIG_BURST).algorithm(algorithm).build();
      }
      if (algorithm == Algorithm.SLIDING_WINDOW_LOG) {
        long periodMicros = keys == 1 ? 1_000 : 1_000_000;
        return Limit.builderOfMicros(LOG_COUNT, periodMicros).algorithm(algorithm).build();
      }
      return Limit.builder("90000000/second").algorithm(algorithm).build();
    }

    @Override
    public Bucket bucket4j() {
      return Bucket.builder()
          .addLimit(limit -> limit.capacity(BIG_BURST).refillGreedy(1, Duration.ofSeconds(1)))
          .build();
    }

    @Override
    public RateLimiterConfig resilience4j() {
      return resilience4j(Integer.MAX_VALUE, Duration.ofHours(1));
    }

    @Override
    public double guavaPermitsPerSecond() {
      return 1e9;
    }
  },

  /**
   * Every call admitted from a full bucket: 1,000,000 permits per millisecond (burst = count; the
   * log's largest count, and Bucket4j's fastest refill, 1 per nanosecond), so a key's bucket is
   * full again long before its next call. This is the case of many keys each well under its limit;
   * for Sluice the key's state has then expired.
   */
  ADMIT_REFILLED {
    @Override
    public Limit sluiceLimit(Algorithm algorithm, int keys) {
      return Limit.builderOfMicros(1_000_000, 1_000).algorithm(algorithm).build();
    }

    @Override
    public Bucket bucket4j() {
      return bucket4j(1_000_000, Duration.ofMillis(1));
    }

    @Override
    public RateLimiterConfig resilience4j() {
      return resilience4j(1_000_000, Duration.ofMillis(1));
    }

    @Override
    public double guavaPermitsPerSecond() {
      return 1e9;
    }
  },

  /**
   * Every call denied: one permit per minute (burst 1), taken during setup; a fork lasts well
   * under a minute.
   */
  DENY {
    @Override
    public Limit sluiceLimit(Algorithm algorithm, int keys) {
      return Limit.builder("1/minute").algorithm(algorithm).build();
    }

    @Override
    public Bucket bucket4j() {
      return bucket4j(1, Duration.ofMinutes(1));
    }

    @Override
    public RateLimiterConfig resilience4j() {
      return resilience4j(1, Duration.ofMinutes(1));
    }

    @Override
    public double guavaPermitsPerSecond() {
      return 1.0 / 60;
    }
  };

  /** Refilled at 1 per second, this is as large as Sluice allows (refill time below 2^52 µs). */
  private static final long BIG_BURST = 4_000_000_000L;
  private static final long LOG_COUNT = Limit.MAX_SLIDING_LOG_COUNT;

  /** This mix's limit for Sluice, counted by {@code algorithm}, for a workload of {@code keys}. */
  public abstract Limit sluiceLimit(Algorithm algorithm, int keys);

  /** A Bucket4j local bucket: lock-free and on the millisecond clock (its defaults). */
  public abstract Bucket bucket4j();

  /** A Resilience4j config with a timeout of zero: never waits, answers at once. */
  public abstract RateLimiterConfig resilience4j();

  /** Guava's rate; its burst is fixed at one second of permits. */
  public abstract double guavaPermitsPerSecond();

  static Bucket bucket4j(long count, Duration period) {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(count).refillGreedy(count, period))
        .build();
  }

  static RateLimiterConfig resilience4j(int count, Duration period) {
    return RateLimiterConfig.custom()
        .limitForPeriod(count)
        .limitRefreshPeriod(period)
        .timeoutDuration(Duration.ZERO)
        .build();
  }
}
