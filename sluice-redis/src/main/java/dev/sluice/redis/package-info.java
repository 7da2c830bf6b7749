/**
 * The Redis backend: limiter state in Redis, shared by every process that points at the same
 * server, evaluated by one atomic Lua script per request. Start at {@link
 * dev.sluice.redis.RedisBackend}.
 */
@NullMarked
package dev.sluice.redis;

import org.jspecify.annotations.NullMarked;
