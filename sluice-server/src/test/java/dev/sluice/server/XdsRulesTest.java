package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.StringValue;
import com.google.protobuf.Value;
import dev.sluice.rules.RuleError;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitConfig;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitPolicy;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitReplace;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The conversion of RateLimitConfig resources into rules ({@link XdsRules}), through the rules'
 * own validation ({@link LiveRules#apply}), and the settings that select it.
 */
class XdsRulesTest {

  private static final Metrics METRICS = new Metrics(0.8);

  private static LiveRules xds(boolean merge) {
    return LiveRules.of(ServerConfig.resolve(Map.of("config-source", "xds",
        "merge-domains", String.valueOf(merge)), Map.of(), null), METRICS);
  }

  private static LiveRules.Outcome apply(LiveRules rules, String version,
      RateLimitConfig... configs) {
    List<Any> resources = new ArrayList<>();
    for (RateLimitConfig c : configs) {
      resources.add(Any.pack(c));
    }
    List<String> problems = new ArrayList<>();
    Map<String, String> files = XdsRules.files(resources, problems);
    assertThat(problems).isEmpty();
    return rules.apply(version, files, XdsRules::withoutPositions);
  }

  private static RateLimitDescriptor.Builder descriptor(String key, String value) {
    return RateLimitDescriptor.newBuilder().setKey(key).setValue(value);
  }

  private static RateLimitPolicy.Builder policy(RateLimitUnit unit, int perUnit) {
    return RateLimitPolicy.newBuilder().setUnit(unit).setRequestsPerUnit(perUnit);
  }

  @Test
  void everyFieldOfTheProtoBecomesTheRulesFileEnvoyMakesOfIt() {
    RateLimitConfig config = RateLimitConfig.newBuilder().setName("n").setDomain("api")
        .addDescriptors(descriptor("user", "")
            .setRateLimit(policy(RateLimitUnit.SECOND, 10).setName("per-user"))
            .addDescriptors(descriptor("plan", "gold")
                .setRateLimit(policy(RateLimitUnit.HOUR, 100).setName("gold")
                    .addReplaces(RateLimitReplace.newBuilder().setName("per-user")))
                .setShadowMode(true).setDetailedMetric(true).setQuotaMode(true)
                .setMetadata(Struct.newBuilder().putFields("team",
                    Value.newBuilder().setStringValue("edge").build()))))
        .addDescriptors(descriptor("internal", "true")
            .setRateLimit(RateLimitPolicy.newBuilder().setUnlimited(true)))
        .addDescriptors(descriptor("blocked", "1").setRateLimit(policy(RateLimitUnit.DAY, 0)))
        .build();
    String yaml = XdsRules.yaml(config);
    RuleSet parsed = RuleLoader.create().parse(Map.of("x", yaml));
    String tree = parsed.render();
    assertThat(yaml).contains("domain: \"api\"", "unit: \"SECOND\"", "requests_per_unit: 10",
        "name: \"per-user\"", "replaces:", "shadow_mode: true", "detailed_metric: true",
        "quota_mode: true", "team: \"edge\"", "unlimited: true", "value: \"true\"");
    assertThat(yaml).doesNotContain("value: \"\"");
    assertThat(tree).contains("user", "plan=gold", "internal=true", "blocked=1");
  }

  @Test
  void aBadResourceIsRefusedWithItsNameAndPathAndTheOldRulesStay() {
    LiveRules rules = xds(false);
    assertThat(apply(rules, "1", XdsConfigSourceTest.config("a", "api", 5)).ok()).isTrue();
    LiveRules.Outcome bad = apply(rules, "2",
        RateLimitConfig.newBuilder().setName("b").setDomain("api").addDescriptors(
            descriptor("user", "").setRateLimit(policy(RateLimitUnit.UNKNOWN, 5))).build(),
        RateLimitConfig.newBuilder().setName("c").setDomain("")
            .addDescriptors(descriptor("", "")).build(),
        RateLimitConfig.newBuilder().setName("d").setDomain("web").addDescriptors(
            descriptor("k", "").setRateLimit(RateLimitPolicy.newBuilder().setUnlimited(true)
                .setUnit(RateLimitUnit.MINUTE))).build());
    assertThat(bad.ok()).isFalse();
    assertThat(bad.errors()).extracting(RuleError::toString).containsExactly(
        "RateLimitConfig b: api > user > rate_limit: invalid rate limit unit 'UNKNOWN'; use one"
            + " of second, minute, hour, day, week, month, year",
        "RateLimitConfig c: domain: config file cannot have empty domain",
        "RateLimitConfig c: #1: descriptor has empty key",
        "RateLimitConfig d: web > k > rate_limit: should not specify rate limit unit when"
            + " unlimited");
    assertThat(bad.errors()).allSatisfy(e -> assertThat(e.line()).isZero());
    assertThat(rules.status().version()).isEqualTo("1");
    assertThat(rules.current().domain("api")).isPresent();
    assertThat(rules.current().domain("web")).isEmpty();
  }

  @Test
  void twoResourcesOfOneDomainMergeOnlyWithMergeDomains() {
    RateLimitConfig a = XdsConfigSourceTest.config("a", "api", 5);
    RateLimitConfig b = RateLimitConfig.newBuilder().setName("b").setDomain("api")
        .addDescriptors(descriptor("ip", "").setRateLimit(policy(RateLimitUnit.MINUTE, 9)))
        .build();
    LiveRules.Outcome refused = apply(xds(false), "1", a, b);
    assertThat(refused.ok()).isFalse();
    assertThat(refused.errors().get(0).toString()).startsWith(
        "RateLimitConfig b: domain: duplicate domain 'api' in config file (first in"
            + " RateLimitConfig a)");
    LiveRules merging = xds(true);
    assertThat(apply(merging, "1", a, b).ok()).isTrue();
    assertThat(merging.current().domain("api").orElseThrow().files())
        .containsExactly("RateLimitConfig a", "RateLimitConfig b");
  }

  @Test
  void aResourceOfAnotherTypeIsReportedByPosition() {
    List<String> problems = new ArrayList<>();
    Map<String, String> files = XdsRules.files(List.of(
        Any.pack(XdsConfigSourceTest.config("a", "api", 5)),
        Any.pack(StringValue.of("not rules"))), problems);
    assertThat(files).containsOnlyKeys("RateLimitConfig a");
    assertThat(problems).containsExactly("resource #1: expected type " + XdsRules.TYPE_URL
        + ", got type.googleapis.com/google.protobuf.StringValue");
  }

  @Test
  void envoysVariableNamesSelectAndConfigureTheXdsSource() {
    ServerConfig c = ServerConfig.resolve(Map.of(), Map.of(
        "CONFIG_TYPE", "GRPC_XDS_SOTW",
        "CONFIG_GRPC_XDS_SERVER_URL", "xds.internal:18000",
        "CONFIG_GRPC_XDS_NODE_ID", "rls-1",
        "CONFIG_GRPC_XDS_NODE_METADATA", "zone=a,team=edge",
        "XDS_CLIENT_BACKOFF_INITIAL_INTERVAL", "2s",
        "XDS_CLIENT_BACKOFF_MAX_INTERVAL", "30s"), null);
    assertThat(c.configSource()).isEqualTo(ServerConfig.ConfigSource.XDS);
    assertThat(c.get(ServerConfig.XDS_SERVER)).isEqualTo("xds.internal:18000");
    assertThat(XdsConfigSource.node(c).getId()).isEqualTo("rls-1");
    assertThat(XdsConfigSource.node(c).getMetadata().getFieldsMap()).containsOnlyKeys("zone",
        "team");
    assertThat(c.get(ServerConfig.XDS_BACKOFF_MAX)).hasSeconds(30);
    assertThat(ServerConfig.resolve(Map.of(), Map.of("CONFIG_TYPE", "FILE"), null)
        .configSource()).isEqualTo(ServerConfig.ConfigSource.FILE);
  }

  @Test
  void badXdsSettingsNameThemselves() {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("config-source", "consul"), Map.of(),
        null)).hasMessageContaining("config-source").hasMessageContaining("xds");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("xds-server", "localhost"), Map.of(),
        null)).hasMessageContaining("xds-server").hasMessageContaining("host:port");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("xds-node-metadata", "zone"),
        Map.of(), null)).hasMessageContaining("xds-node-metadata")
        .hasMessageContaining("key=value");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("xds-backoff-initial", "10s",
        "xds-backoff-max", "5s"), Map.of(), null)).hasMessageContaining("xds-backoff-max");
  }
}
