/**
 * The enforcement layer behind every front end, the backends it builds, and typed settings.
 * Redis and picocli are optional: the Redis backend is loaded only for a Redis URI, picocli only
 * by a command line that generates its options from the settings.
 */
module dev.sluice.enforcement {
  requires transitive dev.sluice.core;
  requires transitive dev.sluice.rules;
  requires static dev.sluice.redis;
  requires static info.picocli;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires org.slf4j;
  requires static org.jspecify;

  exports dev.sluice.enforcement;
  exports dev.sluice.enforcement.settings;
}
