package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.rules.Schema.Absent;
import dev.sluice.rules.Schema.Fields;
import dev.sluice.rules.Schema.Invalid;
import dev.sluice.rules.Schema.Key;
import dev.sluice.rules.Schema.Present;
import dev.sluice.rules.Schema.Value;
import dev.sluice.rules.YamlTree.MapNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/** The declarative key schema: key checks, typed reads, required keys, and the context's paths. */
class SchemaTest {

  private static final Key<String> NAME = Key.text("name").required("name is missing");
  private static final Key<Long> COUNT = Key.whole("count", 0, 10);
  private static final Key<Long> SIZE = Key.whole("size", 1, Long.MAX_VALUE);
  private static final Key<Boolean> ON = Key.flag("on_off");
  private static final Key<List<YamlTree.Node>> ITEMS = Key.list("items");
  private static final Key<String> COLOUR = Key.choice("colour",
      t -> List.of("red", "blue").contains(t) ? t : null, t -> "no colour '" + t + "'");
  private static final Schema SCHEMA = Schema.of(null, NAME, COUNT, SIZE, ON, ITEMS, COLOUR);

  private final List<RuleError> errors = new ArrayList<>();
  private final ParseContext ctx = ParseContext.of("f.yaml", errors).at("d").at("thing");

  private static MapNode map(String yaml) throws YamlTree.SyntaxError {
    return (MapNode) YamlTree.parse(yaml);
  }

  private List<String> messages() {
    return errors.stream().map(RuleError::toString).toList();
  }

  @Test
  void keysThatAreNotStringsUnknownOrRepeatedAreReported() throws Exception {
    Fields fields = SCHEMA.check(map("name: a\nnmae: b\n3: c\nname: d\nvalue: x\n"), ctx);
    assertThat(messages()).containsExactly(
        "f.yaml:2:1: d > thing: config error, unknown key 'nmae'; did you mean 'name'?",
        "f.yaml:3:1: d > thing: config error, key is not of type string: 3",
        "f.yaml:4:1: d > thing: duplicate key 'name' (first at line 1)",
        "f.yaml:5:1: d > thing: config error, unknown key 'value'; value belongs in a"
            + " descriptor");
    assertThat(fields.keyProblems()).isTrue();
    assertThat(fields.get(NAME, ctx)).as("the first of repeated keys").isEqualTo("a");
    assertThat(SCHEMA.check(map("name: a\n"), ctx).keyProblems()).isFalse();
  }

  @Test
  void unknownKeysListTheSchemasKeysWhenNoHintApplies() throws Exception {
    SCHEMA.check(map("zzz: 1\n"), ctx);
    assertThat(messages()).containsExactly("f.yaml:1:1: d > thing: config error, unknown key"
        + " 'zzz'; expected one of name, count, size, on_off, items, colour");
  }

  @Test
  void aValueIsAbsentInvalidOrPresent() throws Exception {
    Fields fields = SCHEMA.check(map("count: ~\nsize: 0\nitems: [1]\n"), ctx);
    assertThat(fields.read(NAME, ctx)).isEqualTo(new Absent<>(null));
    Value<Long> nothing = fields.read(COUNT, ctx);
    assertThat(nothing).isInstanceOf(Absent.class);
    assertThat(((Absent<Long>) nothing).field()).isEqualTo(fields.field(COUNT));
    assertThat(fields.has(COUNT)).isFalse();
    assertThat(fields.read(SIZE, ctx)).isInstanceOf(Invalid.class);
    assertThat(fields.read(ITEMS, ctx)).isInstanceOfSatisfying(Present.class,
        p -> assertThat(p.value()).asInstanceOf(InstanceOfAssertFactories.LIST).hasSize(1));
    assertThat(messages()).containsExactly(
        "f.yaml:2:7: d > thing: size must be a whole number at least 1, was 0");
  }

  @Test
  void eachTypeSaysWhatItWants() throws Exception {
    Fields fields = SCHEMA.check(
        map("name: [a]\ncount: 11\non_off: maybe\nitems: {a: b}\ncolour: green\n"), ctx);
    assertThat(fields.get(NAME, ctx)).isNull();
    assertThat(fields.get(COUNT, ctx)).isNull();
    assertThat(fields.get(ON, ctx, true)).isTrue();
    assertThat(fields.get(ITEMS, ctx, List.of())).isEmpty();
    assertThat(fields.get(COLOUR, ctx)).isNull();
    assertThat(messages()).containsExactly(
        "f.yaml:1:7: d > thing: name must be a single value, found a list",
        "f.yaml:2:8: d > thing: count must be a whole number between 0 and 10, was 11",
        "f.yaml:3:9: d > thing: on_off must be true or false, was maybe",
        "f.yaml:4:8: d > thing: items must be a list, found a map",
        "f.yaml:5:9: d > thing: no colour 'green'");
  }

  @Test
  void valuesOfTheRightTypeAreRead() throws Exception {
    Fields fields = SCHEMA.check(map("name: 7\ncount: 0x0A\non_off: yes\ncolour: red\n"), ctx);
    assertThat(fields.get(NAME, ctx)).isEqualTo("7");
    assertThat(fields.get(COUNT, ctx)).isEqualTo(10L);
    assertThat(fields.get(ON, ctx, false)).isTrue();
    assertThat(fields.get(COLOUR, ctx)).isEqualTo("red");
    assertThat(errors).isEmpty();
    assertThat(ValueType.integer("017")).isEqualTo(BigInteger.valueOf(15));
    assertThat(ValueType.integer("-1_000")).isEqualTo(BigInteger.valueOf(-1000));
    assertThat(ValueType.integer("0b101")).isEqualTo(BigInteger.valueOf(5));
    assertThat(ValueType.integer("0o17")).isEqualTo(BigInteger.valueOf(15));
    assertThat(ValueType.integer("1.5")).isNull();
  }

  @Test
  void aRequiredKeyIsMissingAtItsValueOrAtTheMap() throws Exception {
    assertThat(SCHEMA.check(map("count: 1\n"), ctx).require(NAME, ctx)).isNull();
    assertThat(SCHEMA.check(map("count: 1\nname: ~\n"), ctx).require(NAME, ctx)).isNull();
    assertThat(SCHEMA.check(map("count: 1\nname: ''\n"), ctx).require(NAME, ctx)).isNull();
    // A value of the wrong type is that problem only.
    assertThat(SCHEMA.check(map("count: 1\nname: {a: b}\n"), ctx).require(NAME, ctx)).isNull();
    assertThat(SCHEMA.check(map("name: n\n"), ctx).require(NAME, ctx)).isEqualTo("n");
    assertThat(messages()).containsExactly(
        "f.yaml:1:1: d > thing: name is missing",
        "f.yaml:2:7: d > thing: name is missing",
        "f.yaml:2:7: d > thing: name is missing",
        "f.yaml:2:7: d > thing: name must be a single value, found a map");
    Fields fields = SCHEMA.fields(map("count: 1\n"));
    assertThatThrownBy(() -> fields.require(COUNT, ctx))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("count is not a required key");
  }

  @Test
  void onlyDeclaredKeysCanBeRead() throws Exception {
    Fields fields = SCHEMA.fields(map("other: 1\n"));
    assertThatThrownBy(() -> fields.read(Key.text("other"), ctx))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("other is not a key of [name, count");
  }

  @Test
  void theContextJoinsPathsAsErrorsShowThem() throws Exception {
    ParseContext top = ParseContext.of("f.yaml", errors);
    assertThat(top.path()).isEmpty();
    assertThat(top.at("shop").path()).isEqualTo("shop");
    assertThat(top.at("shop").at("user=42").at("rate_limit").path())
        .isEqualTo("shop > user=42 > rate_limit");
    assertThat(top.at("routes[0]").at("rate_limits").then("[1]").then(".actions").path())
        .isEqualTo("routes[0] > rate_limits[1].actions");
    int mark = top.mark();
    assertThat(top.errorsSince(mark)).isFalse();
    MapNode m = map("a: b\n");
    top.at("x").error(m.fields().get(0), "key problem");
    top.at("x").error(m.fields().get(0).value(), "value problem");
    assertThat(top.errorsSince(mark)).isTrue();
    assertThat(messages()).containsExactly(
        "f.yaml:1:1: x: key problem", "f.yaml:1:4: x: value problem");
  }

  @Test
  void everyRuleSchemaKeyIsDeclaredOnceAndHintsPointHome() {
    for (Schema s : List.of(RuleSchema.FILE, RuleSchema.DESCRIPTOR, RuleSchema.LIMIT,
        RuleSchema.ROUTE, RuleSchema.ROUTE_LIMIT, RuleSchema.ACTION, RuleSchema.HEADER_MATCHER)) {
      assertThat(s.names()).doesNotHaveDuplicates();
    }
    assertThat(RuleSchema.unknownKey("burst", RuleSchema.DESCRIPTOR.names()))
        .isEqualTo("config error, unknown key 'burst'; burst belongs in rate_limit");
    assertThat(RuleSchema.unknownKey("actions", RuleSchema.ROUTE.names()))
        .isEqualTo("config error, unknown key 'actions'; actions belongs in an entry of a"
            + " route's rate_limits");
    assertThat(RuleSchema.unknownKey("descriptors", RuleSchema.LIMIT.names()))
        .isEqualTo("config error, unknown key 'descriptors'; descriptors belongs in a descriptor");
    assertThat(RuleSchema.unknownKey("Rate-Limit", RuleSchema.DESCRIPTOR.names()))
        .isEqualTo("config error, unknown key 'Rate-Limit'; did you mean 'rate_limit'?");
  }
}
