/** Sluice's limiters and in-memory stores as Micrometer meters. */
module dev.sluice.micrometer {
  requires transitive dev.sluice.core;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports dev.sluice.micrometer;
}
