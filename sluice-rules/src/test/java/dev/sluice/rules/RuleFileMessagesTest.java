package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The message, line, column and path of each problem the parser reports, beyond the fixtures of
 * {@link ValidationTest}: where a limit the core refuses is reported (by the field the problem
 * belongs to), limit blocks, descriptor keys, metadata, routes, actions and header matchers.
 */
class RuleFileMessagesTest {

  /** The errors of one file, as {@code line:column: path: problem}. */
  private static List<String> errors(String yaml) {
    List<RuleError> errors = new ArrayList<>();
    FileParser.parse("f.yaml", yaml, errors);
    return errors.stream().map(e -> e.toString().substring("f.yaml:".length())).toList();
  }

  /** A bound of the burst: at the burst value. */
  @Test
  void aBurstTheLimitRefusesIsReportedAtTheBurst() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: k
            rate_limit:
              {unit: second, requests_per_unit: 999999937, algorithm: gcra, burst: 10000000}
        """)).containsExactly(
        "5:76: d > k > rate_limit: invalid limit: burst × count / gcd(count, period in µs) must"
            + " be at most 2^53 (9007199254740992) for exact arithmetic, was 10000000 × 999999937"
            + " (count 999999937 per 1000000 µs); use a count that divides the period more"
            + " evenly, or a smaller burst");
  }

  /** The same bound without a burst key: at the block. */
  @Test
  void aBucketBoundWithoutABurstIsReportedAtTheBlock() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: k
            rate_limit:
              unit: second
              requests_per_unit: 999999937
              algorithm: token_bucket
        """)).containsExactly(
        "5:7: d > k > rate_limit: invalid limit: burst × count / gcd(count, period in µs) must be"
            + " at most 2^53 (9007199254740992) for exact arithmetic, was 999999937 × 999999937"
            + " (count 999999937 per 1000000 µs); use a count that divides the period more"
            + " evenly, or a smaller burst");
  }

  /** A bound of the algorithm (not of the burst): at the block, though a burst is given. */
  @Test
  void aBoundOfTheAlgorithmIsReportedAtTheBlockEvenWithABurst() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: k
            rate_limit:
              unit: second
              requests_per_unit: 2000000
              algorithm: sliding_window_log
              burst: 2000000
        """)).containsExactly(
        "5:7: d > k > rate_limit: invalid limit: SLIDING_WINDOW_LOG keeps every admitted request,"
            + " so count must be at most 1000000, was 2000000; use SLIDING_WINDOW_COUNTER for"
            + " larger counts");
  }

  @Test
  void periodsTooLongAreReportedAtTheBlock() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: k
            rate_limit: {unit: year, requests_per_unit: 1, unit_multiplier: 4294967295}
          - key: j
            rate_limit: {unit: year, requests_per_unit: 1, unit_multiplier: 101}
        """)).containsExactly(
        "4:17: d > k > rate_limit: invalid limit: the period (unit × unit_multiplier) is too long",
        "6:17: d > j > rate_limit: invalid limit: period must be at most PT876000H (100 years),"
            + " was PT884760H");
  }

  @Test
  void limitBlocks() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: zero
            rate_limit: {unit: second, requests_per_unit: 0, burst: 5}
          - key: several
            rate_limits:
              - {unit: second, requests_per_unit: 5, unlimited: true}
              - 7
          - key: empty
            rate_limits: []
          - key: notalist
            rate_limits: 5
          - key: notamap
            rate_limit: [a]
          - key: missing
            rate_limit: {name: n}
          - key: misspelled
            rate_limit: {unit: second, requests_per_unt: 5}
          - key: nonstring
            rate_limit: {unit: second, requests_per_unit: 5, 1: x}
          - key: unlimited
            rate_limit: {unlimited: true, algorithm: gcra, burst: 3, unit_multiplier: ~}
        """)).containsExactly(
        "4:54: d > zero > rate_limit: burst cannot be used with requests_per_unit: 0, which"
            + " denies every request",
        "7:10: d > several > rate_limits[0]: should not specify rate limit unit when unlimited",
        "7:24: d > several > rate_limits[0]: should not specify requests_per_unit when unlimited",
        "7:46: d > several > rate_limits[0]: unlimited cannot be used in rate_limits; use"
            + " rate_limit with unlimited: true",
        "8:9: d > several > rate_limits[1]: yaml file contains list of type other than map: 7",
        "10:18: d > empty: rate_limits must not be empty",
        "12:18: d > notalist: rate_limits must be a list, found 5",
        "14:17: d > notamap: rate_limit must be a map, found a list",
        "16:17: d > missing > rate_limit: rate limit unit is missing; use one of second, minute,"
            + " hour, day, week, month, year",
        "16:17: d > missing > rate_limit: requests_per_unit is missing; give a whole number (0"
            + " denies every request)",
        "18:32: d > misspelled > rate_limit: config error, unknown key 'requests_per_unt'; did"
            + " you mean 'requests_per_unit'?",
        "20:54: d > nonstring > rate_limit: config error, key is not of type string: 1",
        "22:35: d > unlimited > rate_limit: should not specify algorithm when unlimited",
        "22:52: d > unlimited > rate_limit: should not specify burst when unlimited");
  }

  @Test
  void recordOverLimitNeedsLimitsAndABoolean() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: report
            record_over_limit: true
          - key: flag
            record_over_limit: sometimes
            rate_limit: {unit: day, requests_per_unit: 10}
          - key: ok
            record_over_limit: true
            rate_limit: {unit: day, requests_per_unit: 10}
        """)).hasSize(2).satisfiesExactly(
            m -> assertThat(m).isEqualTo("4:5: d > report: record_over_limit needs rate_limit or"
                + " rate_limits on the same descriptor (it is not inherited by nested"
                + " descriptors)"),
            m -> assertThat(m).startsWith("6:24: d > flag: ").contains("record_over_limit"));
  }

  @Test
  void descriptorKeysMetadataAndConsistency() {
    assertThat(errors("""
        domain: d
        descriptors:
          - key: [a]
            value: v
          - key: k
            value: {a: b}
          - key: dup
            key: again
            unit: second
            rate_limit: {unit: second, requests_per_unit: 1}
          - key: meta
            metadata: 5
          - key: meta2
            metadata:
              a: ~
              b: [1, ~]
              a: 2
              3: x
          - key: c
            consistency: strong
            rate_limit: {unit: second, requests_per_unit: 1}
          - key: c2
            consistency: eventual
          - key: wild
            share_threshold: true
        """)).containsExactly(
        "3:10: d > #1: key must be a single value, found a list",
        "6:12: d > #2: value must be a single value, found a map",
        "8:5: d > dup: duplicate key 'key' (first at line 7)",
        "9:5: d > dup: config error, unknown key 'unit'; unit belongs in rate_limit",
        "12:15: d > meta: metadata must be a map, found 5",
        "15:10: d > meta2 > metadata.a: metadata values must not be empty",
        "16:14: d > meta2 > metadata.b[1]: metadata values must not be empty",
        "17:7: d > meta2 > metadata: duplicate key 'a' (first at line 15)",
        "18:7: d > meta2 > metadata: config error, key is not of type string: 3",
        "20:18: d > c: invalid consistency 'strong'; use consistent or eventual",
        "23:5: d > c2: consistency needs rate_limit or rate_limits on the same descriptor (it is"
            + " not inherited by nested descriptors)",
        "25:5: d > wild: share_threshold can only be used with wildcard values (containing '*'),"
            + " but found key 'wild'");
  }

  @Test
  void aDomainOfTheWrongTypeAndReplacesEntries() {
    assertThat(errors("""
        domain: {a: b}
        descriptors:
          - key: k
            value: ""
            rate_limit:
              unit: second
              requests_per_unit: 1
              replaces:
                - name: ~
                - name: [x]
                - nme: y
                - x
        """)).containsExactly(
        "1:9: domain: domain must be a single value, found a map",
        "9:11: k > rate_limit.replaces[0]: should not have an empty replaces entry",
        "10:11: k > rate_limit.replaces[1]: should not have an empty replaces entry",
        "10:17: k > rate_limit.replaces[1]: name must be a single value, found a list",
        "11:11: k > rate_limit.replaces[2]: config error, unknown key 'nme'; did you mean 'name'?",
        "11:11: k > rate_limit.replaces[2]: should not have an empty replaces entry",
        "12:11: k > rate_limit.replaces[3]: yaml file contains list of type other than map: x");
  }

  @Test
  void aFileThatIsNotAMap() {
    assertThat(errors("""
        - domain: d
        """)).containsExactly(
        "1:1: config file must be a map with domain and descriptors, found a list");
  }

  @Test
  void routesActionsAndHeaderMatchers() {
    assertThat(errors("""
        domain: r
        routes:
          - path: /a
            method: [get, "1"]
            rate_limits:
              - actions:
                  - {}
                  - remote_address: 5
                  - request_headers: {header_name: x}
                  - header_value_match: {descriptor_value: v}
                  - header_value_match:
                      descriptor_value: v
                      headers:
                        - {name: a, safe_regex_match: ~}
                        - {name: b, safe_regex_match: {regex: "(a"}}
                        - {name: c, exact_match: ""}
                        - {exact_match: x}
                        - 5
                  - generic_key: {descriptor_value: x, descriptor_kye: y}
              - actions: 5
              - 7
          - method: {a: b}
            rate_limits: 5
          - 3
        """)).containsExactly(
        "4:19: r > routes[0]: invalid HTTP method '1'",
        "7:13: r > routes[0] > rate_limits[0].actions[0]: empty action; use one of"
            + " remote_address, request_headers, request_header, basic_auth_user, api_key,"
            + " generic_key, path, header_value_match",
        "8:29: r > routes[0] > rate_limits[0].actions[1].remote_address: remote_address must be a"
            + " map, found 5",
        "9:30: r > routes[0] > rate_limits[0].actions[2].request_headers: descriptor_key is"
            + " missing",
        "10:33: r > routes[0] > rate_limits[0].actions[3].header_value_match: header_value_match"
            + " needs a non-empty headers list",
        "14:47: r > routes[0] > rate_limits[0].actions[4].header_value_match.headers[0]:"
            + " safe_regex_match must be a map {regex: ...}",
        "15:47: r > routes[0] > rate_limits[0].actions[4].header_value_match.headers[1]: invalid"
            + " regex '(a': Unclosed group",
        "16:42: r > routes[0] > rate_limits[0].actions[4].header_value_match.headers[2]:"
            + " exact_match is missing",
        "17:19: r > routes[0] > rate_limits[0].actions[4].header_value_match.headers[3]: name is"
            + " missing",
        "18:19: r > routes[0] > rate_limits[0].actions[4].header_value_match.headers[4]: yaml"
            + " file contains list of type other than map: 5",
        "19:48: r > routes[0] > rate_limits[0].actions[5].generic_key: config error, unknown key"
            + " 'descriptor_kye'; did you mean 'descriptor_key'?",
        "20:18: r > routes[0] > rate_limits[1].actions: actions must be a list, found 5",
        "20:18: r > routes[0] > rate_limits[1]: actions must be a non-empty list",
        "21:9: r > routes[0] > rate_limits[2]: yaml file contains list of type other than map: 7",
        "22:13: r > routes[1]: invalid HTTP method 'a map'",
        "23:18: r > routes[1] > rate_limits: rate_limits must be a list, found 5",
        "23:18: r > routes[1]: a route needs rate_limits: a list of {actions: [...]}",
        "24:5: r > routes[2]: yaml file contains list of type other than map: 3");
  }
}
