package dev.sluice.enforcement.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.FailurePolicy;
import dev.sluice.rules.Consistency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  static final Setting<Integer> PORT = Setting.of("port", ValueTypes.integer(0, 65535))
      .byDefault("8080").help("A port");
  static final Setting<Boolean> FLAG = Setting.of("flag", ValueTypes.bool())
      .byDefault("false").alsoFromEnvironment("OLD_FLAG").help("A flag");
  static final Setting<Duration> WAIT = Setting.of("wait",
      ValueTypes.duration(Duration.ofMillis(1), Duration.ofMinutes(1))).byDefault("50ms");
  static final Setting<String> NAME = Setting.of("name", ValueTypes.text("TEXT"));
  static final List<Setting<?>> ALL = List.of(PORT, FLAG, WAIT, NAME,
      EnforcementSettings.FAILURE_POLICY, EnforcementSettings.MODE);

  @TempDir Path dir;

  private static Settings service(Map<String, String> cli, Map<String, String> env) {
    return Settings.resolve(ALL, Dialect.SERVICE,
        List.of(Sources.commandLine(cli, ALL), Sources.environment(env)));
  }

  private static Settings filter(Map<String, String> params) {
    return Settings.resolve(ALL, Dialect.FILTER, List.of(Sources.lookup(params::get, "sluice.")));
  }

  @Test
  void theFirstSourceThatHasASettingWinsElseItsDefault() {
    Settings s = service(Map.of("port", "9000"), Map.of("SLUICE_PORT", "9100",
        "SLUICE_WAIT", "2s", "OLD_FLAG", "yes"));
    assertThat(s.get(PORT)).isEqualTo(9000);
    assertThat(s.origin(PORT)).isEqualTo("--port");
    assertThat(s.get(WAIT)).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.origin(WAIT)).isEqualTo("environment SLUICE_WAIT");
    assertThat(s.get(FLAG)).isTrue();
    assertThat(s.origin(FLAG)).isEqualTo("environment OLD_FLAG");
    assertThat(s.get(EnforcementSettings.MODE)).isEqualTo(Consistency.CONSISTENT);
    assertThat(s.get(EnforcementSettings.FAILURE_POLICY)).isEqualTo(FailurePolicy.FAIL_OPEN);
    assertThat(s.isGiven(PORT)).isTrue();
    assertThat(s.isGiven(EnforcementSettings.MODE)).isFalse();
    assertThat(s.origin(EnforcementSettings.MODE)).isEqualTo("default");
    assertThat(s.find(NAME)).isNull();
    assertThatThrownBy(() -> s.get(NAME)).isInstanceOf(IllegalStateException.class)
        .hasMessage("name is not set");
    assertThat(service(Map.of(), Map.of("SLUICE_FLAG", "false", "OLD_FLAG", "true")).get(FLAG))
        .isFalse();
  }

  @Test
  void theServiceDialectSaysWhatIsExpectedAfterNamingTheValueAndItsSource() {
    assertThatThrownBy(() -> service(Map.of("port", "80x"), Map.of()))
        .isInstanceOf(SettingException.class)
        .hasMessage("invalid port '80x' (from --port): expected an integer in 0..65535");
    assertThatThrownBy(() -> service(Map.of(), Map.of("SLUICE_FLAG", "maybe")))
        .hasMessage("invalid flag 'maybe' (from environment SLUICE_FLAG): expected true or"
            + " false");
    assertThatThrownBy(() -> service(Map.of("wait", "1m"), Map.of()))
        .hasMessage("invalid wait '1m' (from --wait): expected a duration such as 500ms or 2s");
    assertThatThrownBy(() -> service(Map.of("wait", "61s"), Map.of()))
        .hasMessage("invalid wait '61s' (from --wait): expected a duration between 1ms and 60s");
    assertThatThrownBy(() -> service(Map.of("mode", "strict"), Map.of()))
        .hasMessage("invalid mode 'strict' (from --mode): expected consistent or eventual");
    assertThatThrownBy(() -> service(Map.of("failure-policy", "retry"), Map.of()))
        .isInstanceOfSatisfying(SettingException.class, e -> {
          assertThat(e.setting()).isEqualTo("failure-policy");
          assertThat(e.origin()).isEqualTo("--failure-policy");
          assertThat(e.problem()).isEqualTo("expected fail-open, fail-closed or local-fallback");
        });
    assertThatThrownBy(() -> service(Map.of("prot", "1"), Map.of()))
        .hasMessage("unknown setting 'prot'");
  }

  @Test
  void theFilterDialectNamesTheSettingAndQuotesTheValue() {
    assertThatThrownBy(() -> filter(Map.of("flag", "yes")))
        .hasMessage("sluice.flag: 'yes' is not true or false");
    assertThatThrownBy(() -> filter(Map.of("wait", "soon")))
        .hasMessage("sluice.wait: 'soon' is not a duration; use e.g. 50ms, 2s or PT0.5S");
    assertThatThrownBy(() -> filter(Map.of("wait", "0ms")))
        .hasMessage("sluice.wait: '0ms' must be positive");
    assertThatThrownBy(() -> filter(Map.of("wait", "2m")))
        .hasMessage("sluice.wait: '2m' must be between 1ms and 60s");
    assertThatThrownBy(() -> filter(Map.of("port", "-1")))
        .hasMessage("sluice.port: '-1' is not an integer in 0..65535");
    assertThatThrownBy(() -> filter(Map.of("failure-policy", "retry")))
        .hasMessage("sluice.failure-policy: unknown failure policy 'retry'; use fail-open,"
            + " fail-closed or local-fallback");
    Settings s = filter(Map.of("wait", "PT0.5S", "failure-policy", "LOCAL_FALLBACK",
        "flag", "TRUE"));
    assertThat(s.get(WAIT)).isEqualTo(Duration.ofMillis(500));
    assertThat(s.get(EnforcementSettings.FAILURE_POLICY)).isEqualTo(FailurePolicy.LOCAL_FALLBACK);
    assertThat(s.get(FLAG)).isTrue();
    assertThat(filter(Map.of("wait", "1m")).get(WAIT)).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aBlankValueIsUnsetOnlyInLookupsAndOnlyForSettingsDeclaredSo() {
    Map<String, String> blank = new HashMap<>();
    blank.put("failure-policy", " ");
    assertThat(filter(blank).get(EnforcementSettings.FAILURE_POLICY))
        .isEqualTo(FailurePolicy.FAIL_OPEN);
    assertThatThrownBy(() -> filter(Map.of("flag", "")))
        .hasMessage("sluice.flag: '' is not true or false");
    assertThatThrownBy(() -> service(Map.of("failure-policy", ""), Map.of()))
        .hasMessage("invalid failure-policy '' (from --failure-policy): expected fail-open,"
            + " fail-closed or local-fallback");
  }

  @Test
  void typedValuesAreCheckedNotRead() {
    Settings s = Settings.resolve(ALL, Dialect.FILTER, List.of(Sources.bound("sluice.")
        .value(WAIT, Duration.ofSeconds(3)).value(EnforcementSettings.MODE, Consistency.EVENTUAL)
        .value(PORT, null).text(FLAG, "true").text(EnforcementSettings.FAILURE_POLICY, " ")));
    assertThat(s.get(WAIT)).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.text(WAIT)).isEqualTo("3s");
    assertThat(s.get(EnforcementSettings.MODE)).isEqualTo(Consistency.EVENTUAL);
    assertThat(s.get(FLAG)).isTrue();
    assertThat(s.isGiven(PORT)).isFalse();
    assertThat(s.isGiven(EnforcementSettings.FAILURE_POLICY)).isFalse();
    assertThatThrownBy(() -> Settings.resolve(ALL, Dialect.FILTER, List.of(Sources.bound(
        "sluice.").value(WAIT, Duration.ofMinutes(5)))))
        .isInstanceOf(SettingException.class)
        .hasMessage("sluice.wait: '300s' must be between 1ms and 60s");
    assertThatThrownBy(() -> Settings.resolve(ALL, Dialect.FILTER, List.of(Sources.bound(
        "sluice.").value(PORT, 70000))))
        .hasMessage("sluice.port: '70000' is not an integer in 0..65535");
  }

  @Test
  void derivedValuesAndLaterChecksNameTheSetting() {
    Settings s = filter(Map.of("name", "shop"));
    assertThat(s.derive(NAME, String::length)).isEqualTo(4);
    assertThatThrownBy(() -> s.derive(NAME, n -> {
      throw new IllegalArgumentException("no domain '" + n + "'");
    })).isInstanceOf(SettingException.class).hasMessage("sluice.name: no domain 'shop'");
    assertThat(s.error(PORT, "in use").getMessage()).isEqualTo("sluice.port: in use");
    Settings t = service(Map.of("name", "shop"), Map.of());
    assertThat(t.error(NAME, "expected another").getMessage())
        .isEqualTo("invalid name 'shop' (from --name): expected another");
  }

  @Test
  void aSettingsFileIsAMappingOfKnownNamesToScalars() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "port: 9001\nflag: true\n");
    Settings s = Settings.resolve(ALL, Dialect.SERVICE,
        List.of(Sources.environment(Map.of("SLUICE_PORT", "9002")), Sources.yaml(file, ALL)));
    assertThat(s.get(PORT)).isEqualTo(9002);
    assertThat(s.get(FLAG)).isTrue();
    assertThat(s.origin(FLAG)).isEqualTo(file + " key flag");
    Files.writeString(file, "port: [1, 2]\n");
    assertThatThrownBy(() -> Sources.yaml(file, ALL))
        .hasMessage(file + " key port: expected a scalar value");
    Files.writeString(file, "prot: 1\n");
    assertThatThrownBy(() -> Sources.yaml(file, ALL))
        .hasMessage(file + ": unknown setting 'prot' (known: port, flag, wait, name,"
            + " failure-policy, mode)");
    Files.writeString(file, "- port\n");
    assertThatThrownBy(() -> Sources.yaml(file, ALL))
        .hasMessage(file + ": expected a mapping of setting: value");
    Files.writeString(file, "port: 9003\nwait: 1m\n");
    assertThatThrownBy(() -> Settings.resolve(ALL, Dialect.SERVICE, List.of(
        Sources.yaml(file, ALL)))).hasMessage("invalid wait '1m' (from " + file
            + " key wait): expected a duration such as 500ms or 2s");
    assertThatThrownBy(() -> Sources.yaml(dir.resolve("none.yaml"), ALL))
        .hasMessageStartingWith("cannot read config file " + dir.resolve("none.yaml"));
  }

  @Test
  void aSettingWhoseTypeIsMissingIsCheckedButNotMade() {
    Setting<Object> s = Setting.of("policy", ValueTypes.choice("policy", List.of("a", "b"),
        n -> {
          throw new AssertionError("not to be made");
        })).byDefault("a").requires("no.such.Type");
    List<Setting<?>> list = List.of(s);
    Settings ok = Settings.resolve(list, Dialect.FILTER,
        List.of(Sources.lookup(Map.of("policy", "B")::get, "init-param ")));
    assertThat(ok.isGiven(s)).isTrue();
    assertThatThrownBy(() -> ok.get(s)).isInstanceOf(IllegalStateException.class)
        .hasMessage("policy needs no.such.Type on the class path");
    assertThatThrownBy(() -> Settings.resolve(list, Dialect.FILTER,
        List.of(Sources.lookup(Map.of("policy", "c")::get, "init-param "))))
        .hasMessage("init-param policy: unknown policy 'c'; use a or b");
  }

  @Test
  void listsAreCheckedItemByItem() {
    Setting<List<String>> hosts = Setting.of("hosts", ValueTypes.list("HOSTS", h -> {
      if (!h.matches("[a-z.]+")) {
        throw new IllegalArgumentException("'" + h + "' is not a host");
      }
      return h;
    }));
    List<Setting<?>> list = List.of(hosts);
    assertThat(Settings.resolve(list, Dialect.FILTER, List.of(Sources.lookup(
        Map.of("hosts", " a.b, c  d,")::get, "sluice."))).get(hosts)).containsExactly("a.b", "c",
            "d");
    assertThat(Settings.resolve(list, Dialect.FILTER, List.of(Sources.lookup(
        Map.of("hosts", "")::get, "sluice."))).get(hosts)).isEmpty();
    assertThatThrownBy(() -> Settings.resolve(list, Dialect.FILTER, List.of(
        Sources.bound("sluice.").value(hosts, List.of("a", "B1")))))
        .hasMessage("sluice.hosts: 'B1' is not a host");
  }

  @Test
  void declarationsAreChecked() {
    assertThatThrownBy(() -> Setting.of("Http_Port", ValueTypes.bool()))
        .isInstanceOf(IllegalArgumentException.class);
    SettingList list = new SettingList();
    list.add(PORT);
    assertThatThrownBy(() -> list.add(Setting.of("port", ValueTypes.bool())))
        .hasMessage("two settings named port");
    assertThat(PORT.envName()).isEqualTo("SLUICE_PORT");
    assertThat(Setting.envName("max-body-bytes")).isEqualTo("SLUICE_MAX_BODY_BYTES");
  }

  @Test
  void everySharedDefaultReadsInEveryDialect() {
    for (Dialect d : Dialect.values()) {
      Settings s = Settings.resolve(EnforcementSettings.ALL, d, List.of());
      for (Setting<?> setting : EnforcementSettings.ALL) {
        assertThat(s.find(setting)).as(setting.name()).isNotNull();
        assertThat(format(setting, s)).as(setting.name()).isEqualTo(setting.defaultText());
      }
    }
  }

  private static <T> String format(Setting<T> setting, Settings s) {
    return setting.type().format(s.get(setting));
  }
}
