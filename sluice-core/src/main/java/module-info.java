/**
 * Sluice's library: the {@link dev.sluice.RateLimiter} API, the algorithms, the in-memory store,
 * the backend SPI and eventual mode. {@code dev.sluice.internal} (the algorithms' transitions and
 * the limiter's implementation) is open only to the Redis backend, which mirrors the transitions
 * in Lua and reuses their outcomes.
 */
module dev.sluice.core {
  requires static org.jspecify;

  exports dev.sluice;
  exports dev.sluice.spi;
  exports dev.sluice.memory;
  exports dev.sluice.eventual;
  exports dev.sluice.internal to dev.sluice.redis;
}
