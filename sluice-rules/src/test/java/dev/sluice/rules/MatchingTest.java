package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Envoy's lookup, as tables: descriptor in, limit (requests per unit) and counter key out. */
class MatchingTest {

  private static final RuleSet RULES =
      RuleLoader.create().load(Path.of("src/test/resources/matching/match.yaml"));

  /** "k=v;k2=v2" to a descriptor; an empty value is written "k=". */
  private static Descriptor descriptor(String text) {
    List<Descriptor.Entry> entries = new ArrayList<>();
    for (String part : text.split(";")) {
      int eq = part.indexOf('=');
      entries.add(new Descriptor.Entry(part.substring(0, eq), part.substring(eq + 1)));
    }
    return Descriptor.of(entries);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiterString = "->", textBlock = """
      k=exact                          -> 1   -> match|k=exact
      k=exactly                        -> 2   -> match|k=exactly
      k=ex                             -> 2   -> match|k=ex
      k=eagle                          -> 3   -> match|k=eagle
      k=other                          -> 4   -> match|k=other
      k=                               -> 4   -> match|k=
      w=wxy                            -> 13  -> match|w=wxy
      w=wx*                            -> 14  -> match|w=wx*
      mid=/api/users/v1                -> 5   -> match|mid=/api/users/v1
      mid=/apiv1                       -> 5   -> match|mid=/apiv1
      a=1                              -> 6   -> match|a=1
      a=1;b=z                          -> 7   -> match|a=1|b=z
      a=1;b=z;c=xy                     -> 8   -> match|a=1|b=z|c=xy
      a=1;b=z;c=x                      -> 8   -> match|a=1|b=z|c=x
      tenant=t-1;user=u1               -> 9   -> match|tenant=t-1|user=u1
      tenant=t-2;user=u1               -> 9   -> match|tenant=t-2|user=u1
      files=files/a.pdf                -> 100 -> match|files~files/*
      files=files/b.csv                -> 100 -> match|files~files/*
      files=files/*                    -> 100 -> match|files~files/*
      path=path/a;file=file/b;type=pdf -> 120 -> match|path~path/*|file=file/b|type=pdf
      path=path/c;file=file/d;type=pdf -> 120 -> match|path~path/*|file=file/d|type=pdf
      route=/x;method=GET              -> 60  -> match|route=/x|method=GET
      """)
  void matches(String request, long requestsPerUnit, String counterKey) {
    RuleMatch m = RULES.match("match", descriptor(request)).orElseThrow();
    assertThat(m.limits()).extracting(RuleLimit::requestsPerUnit).containsExactly(requestsPerUnit);
    assertThat(m.counterKey()).isEqualTo(counterKey);
  }

  @Test
  void counterKeysEscapeSeparatorsSoDifferentDescriptorsNeverCollide() {
    RuleMatch value = RULES.match("match", Descriptor.of("u", "v=w")).orElseThrow();
    RuleMatch key = RULES.match("match", Descriptor.of("u=v", "w")).orElseThrow();
    assertThat(value.limits().get(0).requestsPerUnit()).isEqualTo(11);
    assertThat(key.limits().get(0).requestsPerUnit()).isEqualTo(12);
    assertThat(value.counterKey()).isEqualTo("match|u=v\\=w");
    assertThat(key.counterKey()).isEqualTo("match|u\\=v=w");
    assertThat(RULES.match("match", Descriptor.of("k", "a|k=b")).orElseThrow().counterKey())
        .isEqualTo("match|k=a\\|k\\=b");
    assertThat(RULES.match("match", Descriptor.of("k", "a\\|b~c")).orElseThrow().counterKey())
        .isEqualTo("match|k=a\\\\\\|b\\~c");
  }

  @ParameterizedTest(name = "{0} matches nothing")
  @CsvSource(textBlock = """
      mid=/api/v2
      mid=/api*v
      a=2
      a=1;b=z;c=y
      a=1;b=z;c=xy;d=q
      b=z
      tenant=t-1
      tenant=x-1;user=u1
      path=path/a;file=other;type=pdf
      path=path/a;file=file/b
      route=/x
      nothing=here
      """)
  void doesNotMatch(String request) {
    assertThat(RULES.match("match", descriptor(request))).isEmpty();
  }

  @Test
  void unknownDomainAndEmptyDescriptorMatchNothing() {
    assertThat(RULES.match("other", Descriptor.of("k", "exact"))).isEmpty();
    assertThat(RULES.match("match", Descriptor.of())).isEmpty();
  }

  @Test
  void aMatchedWildcardRuleIsTheFirstMatchingInFileOrder() {
    assertThat(RULES.match("match", Descriptor.of("k", "exx")).orElseThrow().rule().value())
        .contains("ex*");
    assertThat(RULES.match("match", Descriptor.of("k", "exx")).orElseThrow().rule().isWildcard())
        .isTrue();
  }

  @Test
  void shadowModeIsReportedOnTheMatch() {
    RuleMatch shadow = RULES.match("match", Descriptor.of("shadow", "x")).orElseThrow();
    assertThat(shadow.shadowMode()).isTrue();
    assertThat(shadow.limits()).hasSize(1);
    assertThat(RULES.match("match", Descriptor.of("k", "x")).orElseThrow().shadowMode()).isFalse();
  }

  @Test
  void metricKeysFollowEnvoy() {
    assertThat(RULES.match("match", descriptor("k=other")).orElseThrow().metricKey())
        .isEqualTo("match.k");
    assertThat(RULES.match("match", descriptor("k=exact")).orElseThrow().metricKey())
        .isEqualTo("match.k_exact");
    assertThat(RULES.match("match", descriptor("k=eagle")).orElseThrow().metricKey())
        .isEqualTo("match.k_e*");
    assertThat(RULES.match("match", descriptor("route=/x;method=GET")).orElseThrow().metricKey())
        .isEqualTo("match.route_/x.method");
    assertThat(RULES.match("match", descriptor("files=files/a.pdf")).orElseThrow().metricKey())
        .isEqualTo("match.files_files/*");
    assertThat(RULES.match("match", descriptor("path=path/a;file=file/b;type=pdf"))
        .orElseThrow().metricKey()).isEqualTo("match.path_path/*.file_file/*.type");
  }

  @Test
  void severalDescriptorsOfOneRequestAreMatchedIndependentlyAndInOrder() {
    List<Optional<RuleMatch>> all = RULES.matchAll("match", List.of(
        descriptor("k=exact"), descriptor("nothing=here"), descriptor("a=1;b=z"),
        descriptor("files=files/x")));
    assertThat(all).hasSize(4);
    assertThat(all.get(0).orElseThrow().limits().get(0).requestsPerUnit()).isEqualTo(1);
    assertThat(all.get(1)).isEmpty();
    assertThat(all.get(2).orElseThrow().limits().get(0).requestsPerUnit()).isEqualTo(7);
    assertThat(all.get(3).orElseThrow().counterKey()).isEqualTo("match|files~files/*");
  }

  @Test
  void severalLimitsOnOneDescriptorAreAllReturned() {
    RuleMatch user = RULES.match("match", Descriptor.of("user", "42")).orElseThrow();
    assertThat(user.limits()).extracting(RuleLimit::requestsPerUnit).containsExactly(10L, 1000L);
    assertThat(user.coreLimits()).hasSize(2);
    assertThat(user.coreLimits().get(0).name()).isEqualTo("per_user");
  }

  @Test
  void replacesRemovesOnlyTheNamedLimits() {
    List<Optional<RuleMatch>> vip = RULES.matchAll("match", List.of(
        Descriptor.of("user", "42"), Descriptor.of("vip", "42")));
    assertThat(vip.get(0).orElseThrow().limits()).extracting(l -> l.name().orElseThrow())
        .containsExactly("per_user");
    assertThat(vip.get(1).orElseThrow().limits().get(0).requestsPerUnit()).isEqualTo(50);

    // An unlimited match still replaces: ldap replaces per_user, vip per_user_daily.
    List<Optional<RuleMatch>> all = RULES.matchAll("match", List.of(
        Descriptor.of("user", "42"), Descriptor.of("vip", "42"), Descriptor.of("ldap", "x")));
    assertThat(all.get(0)).isEmpty();
    assertThat(all.get(1)).isPresent();
    assertThat(all.get(2).orElseThrow().unlimited()).isTrue();
    assertThat(all.get(2).orElseThrow().replaces()).containsExactly("per_user");
  }
}
