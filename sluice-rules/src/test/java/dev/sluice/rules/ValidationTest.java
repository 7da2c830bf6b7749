package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every problem envoy ratelimit rejects, and each Sluice extension's own problems, has a fixture
 * file under {@code src/test/resources/errors} and exactly one message naming the file, position,
 * descriptor path and problem.
 */
class ValidationTest {

  private static final String E = "src/test/resources/errors/";
  private static final String UNITS = "use one of second, minute, hour, day, week, month, year";

  private static List<String> errors(RuleLoader loader, String fixture) {
    InvalidRulesException e = catchThrowableOfType(InvalidRulesException.class,
        () -> loader.load(Path.of(E + fixture)));
    assertThat(e).as("loading %s must fail", fixture).isNotNull();
    return e.errors().stream().map(RuleError::toString).toList();
  }

  static Stream<Arguments> fixtures() {
    return Stream.of(
        Arguments.of("empty_domain.yaml",
            "1:9: domain: config file cannot have empty domain"),
        Arguments.of("missing_domain.yaml",
            "1:1: domain: config file cannot have empty domain"),
        Arguments.of("empty_key.yaml",
            "5:14: test-domain > key1 > #1: descriptor has empty key"),
        Arguments.of("missing_key.yaml",
            "3:5: test-domain > #1: descriptor has empty key"),
        Arguments.of("duplicate_key.yaml",
            "8:5: test-domain > key1=value1: duplicate descriptor composite key"
                + " 'test-domain.key1_value1' (first at line 3)"),
        Arguments.of("duplicate_nested_key.yaml",
            "10:9: test-domain > key1=value1 > subkey: duplicate descriptor composite key"
                + " 'test-domain.key1_value1.subkey' (first at line 6)"),
        Arguments.of("bad_limit_unit.yaml",
            "6:13: test-domain > key1=value1 > rate_limit: invalid rate limit unit 'foo'; "
                + UNITS),
        Arguments.of("plural_unit.yaml",
            "5:13: test-domain > key1 > rate_limit: invalid rate limit unit 'seconds'; " + UNITS),
        Arguments.of("misspelled_key.yaml",
            "5:5: test-domain > key1=value1: config error, unknown key 'ratelimit';"
                + " did you mean 'rate_limit'?"),
        Arguments.of("misspelled_key2.yaml",
            "7:7: test-domain > key1=value1 > rate_limit: config error, unknown key"
                + " 'requestsperunit'; did you mean 'requests_per_unit'?"),
        Arguments.of("unknown_key.yaml",
            "4:5: test-domain > key1: config error, unknown key 'colour'; expected one of key,"
                + " value, rate_limit, rate_limits, descriptors, shadow_mode, detailed_metric,"
                + " value_to_metric, share_threshold, quota_mode, metadata, consistency,"
                + " record_over_limit"),
        Arguments.of("non_string_key.yaml",
            "8:7: test-domain > key1=value1 > rate_limit: config error, key is not of type"
                + " string: 0.25"),
        Arguments.of("non_map_list.yaml",
            "3:5: test-domain > #1: yaml file contains list of type other than map: a"),
        Arguments.of("unlimited_with_unit.yaml",
            "6:7: test-domain > key1 > rate_limit: should not specify rate limit unit when"
                + " unlimited"),
        Arguments.of("unlimited_with_count.yaml",
            "6:7: test-domain > key1 > rate_limit: should not specify requests_per_unit when"
                + " unlimited"),
        Arguments.of("replaces_empty.yaml",
            "7:11: test-domain > key1 > rate_limit.replaces[0]: should not have an empty"
                + " replaces entry"),
        Arguments.of("replaces_self.yaml",
            "7:11: test-domain > key1 > rate_limit.replaces[0]: replaces should not contain"
                + " name of same descriptor"),
        Arguments.of("share_threshold_without_wildcard.yaml",
            "5:5: test-domain > files=files/a.pdf: share_threshold can only be used with"
                + " wildcard values (containing '*'), but found key 'files_files/a.pdf'"),
        Arguments.of("bad_yaml.yaml",
            "4:52: error loading config file: expected ',' or '}', but got <stream end>"
                + " (while parsing a flow mapping)"),
        Arguments.of("bad_indentation.yaml",
            "4:4: error loading config file: expected <block end>, but found"
                + " '<block mapping start>' (while parsing a block collection)"),
        Arguments.of("unknown_algorithm.yaml",
            "7:18: test-domain > user > rate_limit: unknown algorithm 'leaky_bucket'; use one"
                + " of TOKEN_BUCKET, GCRA, FIXED_WINDOW, SLIDING_WINDOW_LOG,"
                + " SLIDING_WINDOW_COUNTER"),
        Arguments.of("negative_requests.yaml",
            "6:26: test-domain > user > rate_limit: requests_per_unit must be a whole number"
                + " between 0 and 4294967295, was -1"),
        Arguments.of("both_rate_limit_forms.yaml",
            "7:5: test-domain > user: use either rate_limit or rate_limits, not both"),
        Arguments.of("consistency_unknown.yaml",
            "5:18: test-domain > user: invalid consistency 'strong'; use consistent or eventual"),
        Arguments.of("calendar_unknown_zone.yaml",
            "7:24: test-domain > tenant > rate_limit.calendar: unknown time zone \"Europe/Pariss\";"
                + " expected a region such as Europe/Paris or America/New_York, UTC, or an offset"
                + " such as +05:30"),
        Arguments.of("calendar_bad_anchor.yaml",
            "9:17: test-domain > tenant > rate_limit.calendar: invalid anchor \"32\" for a month;"
                + " expected a day of the month from 1 to 31 (a day past a month's end means its"
                + " last day) or a date such as 2026-01-15"),
        Arguments.of("consistency_without_limit.yaml",
            "4:5: test-domain > tenant: consistency needs rate_limit or rate_limits on the same"
                + " descriptor (it is not inherited by nested descriptors)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void eachFixtureFailsWithExactlyOneMessage(String fixture, String expected) {
    assertThat(errors(RuleLoader.create(), fixture)).containsExactly(E + fixture + ":" + expected);
  }

  @Test
  void limitsTheCoreRejectsBecomeErrorsWithFileAndPath() {
    String coreMessage = catchThrowableOfType(IllegalArgumentException.class,
        () -> Limit.builder(10, Duration.ofSeconds(1)).algorithm(Algorithm.FIXED_WINDOW).burst(20)
            .build()).getMessage();
    assertThat(errors(RuleLoader.create(), "burst_with_fixed_window.yaml")).containsExactly(
        E + "burst_with_fixed_window.yaml:7:14: test-domain > user > rate_limit: invalid limit: "
            + coreMessage);
  }

  @Test
  void allErrorsOfAFileAreReportedInReadingOrder() {
    assertThat(errors(RuleLoader.create(), "several_errors.yaml")).containsExactly(
        E + "several_errors.yaml:5:13: test-domain > key1 > rate_limit: invalid rate limit unit"
            + " 'fortnight'; " + UNITS,
        E + "several_errors.yaml:7:10: test-domain > #2: descriptor has empty key",
        E + "several_errors.yaml:9:18: test-domain > key2: shadow_mode must be true or false,"
            + " was maybe",
        E + "several_errors.yaml:12:7: test-domain > key2 > rate_limit: should not specify rate"
            + " limit unit when unlimited");
  }

  @Test
  void allErrorsOfADirectoryAreReportedFileByFile() {
    InvalidRulesException e = catchThrowableOfType(InvalidRulesException.class,
        () -> RuleLoader.create().load(Path.of("src/test/resources/errors")));
    // Every fixture file contributes; the two directories contribute their duplicate domains.
    assertThat(e.errors()).extracting(RuleError::file).contains(
        E + "empty_domain.yaml", E + "bad_yaml.yaml", E + "several_errors.yaml",
        E + "duplicate_domain/b.yaml", E + "replaces_self.yaml");
    assertThat(e.errors().size()).isGreaterThanOrEqualTo(28);
    assertThat(e.getMessage()).startsWith(e.errors().size() + " errors in rules:\n");
  }

  @Test
  void aDomainInTwoFilesIsAnErrorUnlessMergingIsOn() {
    assertThat(errors(RuleLoader.create(), "duplicate_domain")).containsExactly(
        E + "duplicate_domain/b.yaml:1:9: domain: duplicate domain 'test-domain' in config file"
            + " (first in " + E + "duplicate_domain/a.yaml); to merge the files of one domain"
            + " use --merge-domains or MERGE_DOMAIN_CONFIG=true");

    RuleSet merged = RuleLoader.create().mergeDomains(true).load(Path.of(E + "duplicate_domain"));
    Domain domain = merged.domain("test-domain").orElseThrow();
    assertThat(domain.files()).containsExactly(
        E + "duplicate_domain/a.yaml", E + "duplicate_domain/b.yaml");
    assertThat(merged.match("test-domain", Descriptor.of("key1", "x")).orElseThrow()
        .limits().get(0).requestsPerUnit()).isEqualTo(10);
    assertThat(merged.match("test-domain", Descriptor.of("key2", "x")).orElseThrow()
        .limits().get(0).requestsPerUnit()).isEqualTo(20);
  }

  @Test
  void mergeDomainConfigEnvironmentVariableTurnsMergingOn() {
    assertThat(RuleLoader.fromEnvironment(Map.of("MERGE_DOMAIN_CONFIG", "true")).mergesDomains())
        .isTrue();
    assertThat(RuleLoader.fromEnvironment(Map.of("MERGE_DOMAIN_CONFIG", "1")).mergesDomains())
        .isTrue();
    assertThat(RuleLoader.fromEnvironment(Map.of("MERGE_DOMAIN_CONFIG", "false")).mergesDomains())
        .isFalse();
    assertThat(RuleLoader.fromEnvironment(Map.of()).mergesDomains()).isFalse();
    assertThat(RuleLoader.fromEnvironment(Map.of("MERGE_DOMAIN_CONFIG", "TRUE"))
        .load(Path.of(E + "duplicate_domain")).domains()).hasSize(1);
  }

  @Test
  void mergedFilesMustNotRepeatADescriptor() {
    assertThat(errors(RuleLoader.create().mergeDomains(true), "merge_repeats_descriptor"))
        .containsExactly(E + "merge_repeats_descriptor/b.yaml:7:5: test-domain > key1:"
            + " duplicate descriptor composite key 'test-domain.key1' (also in "
            + E + "merge_repeats_descriptor/a.yaml:3)");
  }

  @Test
  void aMissingPathIsOneError() {
    assertThatThrownBy(() -> RuleLoader.create().load(Path.of(E + "no-such-dir")))
        .isInstanceOf(InvalidRulesException.class)
        .hasMessage(E + "no-such-dir: cannot read: no such file or directory");
  }

  @Test
  void yamlTextGoesThroughTheSameValidation() {
    InvalidRulesException e = catchThrowableOfType(InvalidRulesException.class,
        () -> RuleLoader.create().parse(Map.of("admin-edit", "domain: d\ndescriptors:\n"
            + "  - key: k\n    rate_limit: {unit: sec, requests_per_unit: 1}\n")));
    assertThat(e.errors()).extracting(RuleError::toString).containsExactly(
        "admin-edit:4:24: d > k > rate_limit: invalid rate limit unit 'sec'; " + UNITS);
    assertThat(e.errors().get(0).line()).isEqualTo(4);
    assertThat(e.errors().get(0).column()).isEqualTo(24);
    assertThat(e.errors().get(0).path()).isEqualTo("d > k > rate_limit");
    assertThat(e.errors().get(0).problem()).isEqualTo("invalid rate limit unit 'sec'; " + UNITS);
  }
}
