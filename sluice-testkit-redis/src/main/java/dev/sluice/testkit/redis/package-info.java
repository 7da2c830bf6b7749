/**
 * Real Redis servers for tests: {@link dev.sluice.testkit.redis.RedisStandalone}, a six-node
 * {@link dev.sluice.testkit.redis.RedisCluster} and a
 * {@link dev.sluice.testkit.redis.RedisSentinel} group, each made of {@code redis-server}
 * processes on free 127.0.0.1 ports that are stopped by pid when closed (and by a shutdown hook if
 * a test run dies).
 *
 * <p>The binary is {@code redis-server} from {@code PATH} when there is one, else the Linux or
 * macOS binary packaged inside {@code com.github.codemonstur:embedded-redis}, so a machine with
 * only a JDK runs the same tests. {@link dev.sluice.testkit.redis.RealRedis} hands one shared
 * instance of each to JUnit Jupiter tests.
 *
 * <p>Servers are set up and inspected through Lettuce: {@link
 * dev.sluice.testkit.redis.RedisNode#commands()} for typed commands, {@link
 * dev.sluice.testkit.redis.RedisNode#call(String...)} for any other command.
 *
 * <p>This harness is its own artifact, {@code sluice-testkit-redis}, apart from the contract suite
 * in {@code sluice-testkit}: a backend that runs the suite does not get Lettuce or the packaged
 * binaries unless it asks for real Redis servers.
 */
@NullMarked
package dev.sluice.testkit.redis;

import org.jspecify.annotations.NullMarked;
