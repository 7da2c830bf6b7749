/**
 * Sluice on Redis under load, side by side with {@code redis-benchmark} running the very script
 * Sluice sends and with Bucket4j's Lettuce backend, all against one dedicated {@code
 * redis-server}. {@link dev.sluice.bench.redis.RedisLoad} is the entry point; results and method
 * are in {@code docs/redis.md}.
 *
 * <p>A plain main rather than JMH: what is measured is a server's throughput under a closed loop
 * of many in-flight requests, next to an external C load generator in the same run, not the cost
 * of a Java method; JMH's forks and per-invocation timing add nothing here and would keep the
 * rivals from sharing one server and one warm state.
 */
package dev.sluice.bench.redis;
