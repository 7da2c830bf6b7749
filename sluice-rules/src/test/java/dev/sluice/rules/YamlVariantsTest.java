package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Scalars are read the way envoy's yaml.v2 reads them. */
class YamlVariantsTest {

  private static final RuleSet RULES =
      RuleLoader.create().load(Path.of("src/test/resources/extensions/yaml_variants.yaml"));

  @Test
  void numbersAsValuesKeepTheirText() {
    RuleLimit status = RULES.match("variants", Descriptor.of("status", "404")).orElseThrow()
        .limits().get(0);
    assertThat(status.unit()).isEqualTo(Limit.Unit.HOUR);
    assertThat(status.requestsPerUnit()).isEqualTo(16);
    RuleMatch ratio = RULES.match("variants", Descriptor.of("ratio", "1.50")).orElseThrow();
    assertThat(ratio.limits().get(0).requestsPerUnit()).isEqualTo(1000);
    assertThat(ratio.limits().get(0).unit()).isEqualTo(Limit.Unit.MINUTE);
    assertThat(ratio.shadowMode()).isTrue();
    assertThat(RULES.match("variants", Descriptor.of("ratio", "1.5"))).isEmpty();
  }

  @Test
  void anEmptyValueIsNoValueAndAQuotedStarMatchesEverything() {
    RuleMatch plain = RULES.match("variants", Descriptor.of("plain", "anything")).orElseThrow();
    assertThat(plain.rule().value()).isEmpty();
    assertThat(plain.limits().get(0).requestsPerUnit()).isEqualTo(7);
    assertThat(plain.unlimited()).isFalse();
    RuleMatch star = RULES.match("variants", Descriptor.of("quoted", "")).orElseThrow();
    assertThat(star.rule().isWildcard()).isTrue();
    assertThat(star.limits().get(0).limit().orElseThrow().periodMicros())
        .isEqualTo(365 * 86_400_000_000L);
  }
}
