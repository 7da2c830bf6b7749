/** envoy-format rate limit rules with Sluice's extensions: loading, validation and matching. */
module dev.sluice.rules {
  requires transitive dev.sluice.core;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.dataformat.yaml;
  // SnakeYAML's MarkedYAMLException, the cause of Jackson's YAML parse errors: problem and context
  requires org.yaml.snakeyaml;
  requires static org.jspecify;

  exports dev.sluice.rules;
}
