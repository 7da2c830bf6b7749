/** Sluice's backend on Redis (standalone, Cluster, Sentinel) through Lettuce. */
module dev.sluice.redis {
  requires transitive dev.sluice.core;
  requires transitive lettuce.core;
  requires io.netty.transport;
  requires io.netty.handler;
  requires org.slf4j;
  requires static org.jspecify;

  exports dev.sluice.redis;
}
