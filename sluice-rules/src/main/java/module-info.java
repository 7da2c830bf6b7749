/** envoy-format rate limit rules with Sluice's extensions: loading, validation and matching. */
module dev.sluice.rules {
  requires transitive dev.sluice.core;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires static org.jspecify;

  exports dev.sluice.rules;
}
