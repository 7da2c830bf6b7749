package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import org.jspecify.annotations.Nullable;

/** Properties of loading and matching over generated rule files. */
class RuleSetPropertiesTest {

  /** A generated descriptor rule: exact or bare key, maybe a limit, maybe nested rules. */
  record Spec(String key, @Nullable String value, @Nullable Long requests, String unit,
      boolean shadow, List<Spec> children) {}

  private final List<Path> created = new ArrayList<>();

  @AfterProperty
  void deleteFiles() throws IOException {
    for (Path p : created) {
      Files.deleteIfExists(p);
    }
    created.clear();
  }

  private Path write(String yaml) {
    try {
      Path file = Files.createTempFile("rules", ".yaml");
      created.add(file);
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Provide
  Arbitrary<List<Spec>> trees() {
    return level(3);
  }

  private Arbitrary<List<Spec>> level(int depth) {
    Arbitrary<List<Spec>> children = depth == 1 ? Arbitraries.just(List.of()) : level(depth - 1);
    Arbitrary<Spec> spec = Combinators.combine(
        Arbitraries.of("a", "b", "user", "path"),
        Arbitraries.of("x", "y", "10.0.0.1", "/api").injectNull(0.4),
        Arbitraries.longs().between(0, 5000).injectNull(0.3),
        Arbitraries.of("second", "minute", "hour", "day", "week", "month", "year"),
        Arbitraries.of(true, false),
        children)
        .as(Spec::new);
    return spec.list().ofMaxSize(4)
        .uniqueElements(s -> s.key() + "\u0000" + s.value());
  }

  private static String yaml(String domain, List<Spec> tree) {
    StringBuilder out = new StringBuilder("domain: ").append(domain).append("\ndescriptors:\n");
    render(tree, "  ", out);
    return out.toString();
  }

  private static void render(List<Spec> level, String indent, StringBuilder out) {
    for (Spec s : level) {
      out.append(indent).append("- key: ").append(s.key()).append('\n');
      String in = indent + "  ";
      if (s.value() != null) {
        out.append(in).append("value: \"").append(s.value()).append("\"\n");
      }
      if (s.requests() != null) {
        out.append(in).append("rate_limit:\n")
            .append(in).append("  unit: ").append(s.unit()).append('\n')
            .append(in).append("  requests_per_unit: ").append(s.requests()).append('\n');
        if (s.shadow()) {
          out.append(in).append("shadow_mode: true\n");
        }
      }
      if (!s.children().isEmpty()) {
        out.append(in).append("descriptors:\n");
        render(s.children(), in + "  ", out);
      }
    }
  }

  @Property(tries = 150)
  void loadingTheSameRulesTwiceGivesEqualTrees(@ForAll("trees") List<Spec> tree) {
    String text = yaml("generated", tree);
    Path file = write(text);
    RuleSet first = RuleLoader.create().load(file);
    RuleSet second = RuleLoader.create().load(file);
    assertThat(second).isEqualTo(first);
    assertThat(second.hashCode()).isEqualTo(first.hashCode());
    assertThat(second.render()).isEqualTo(first.render());
    // Text handed to the loader directly goes through the same path.
    assertThat(RuleLoader.create().parse(Map.of(file.toString(), text))).isEqualTo(first);
  }

  @Property(tries = 150)
  void everyLimitIsFoundByTheDescriptorThatLeadsToIt(@ForAll("trees") List<Spec> tree) {
    RuleSet rules = RuleLoader.create().load(write(yaml("generated", tree)));
    List<List<Spec>> paths = new ArrayList<>();
    collect(tree, new ArrayList<>(), paths);
    for (List<Spec> path : paths) {
      List<Descriptor.Entry> entries = new ArrayList<>();
      for (Spec s : path) {
        // A value no generated rule uses reaches the bare-key rule.
        entries.add(new Descriptor.Entry(s.key(), s.value() == null ? "unlisted" : s.value()));
      }
      Spec leaf = path.get(path.size() - 1);
      Optional<RuleMatch> m = rules.match("generated", Descriptor.of(entries));
      assertThat(m).as("match for %s", entries).isPresent();
      RuleLimit limit = m.get().limits().get(0);
      assertThat(limit.requestsPerUnit()).isEqualTo(leaf.requests());
      assertThat(limit.unit().name().toLowerCase()).isEqualTo(leaf.unit());
      assertThat(limit.deniesAll()).isEqualTo(leaf.requests() == 0);
      assertThat(m.get().shadowMode()).isEqualTo(leaf.shadow());
      assertThat(m.get().rule().key()).isEqualTo(leaf.key());
      assertThat(m.get().rule().value()).isEqualTo(Optional.ofNullable(leaf.value()));
      // One entry more or less than the path matches something else or nothing, never this rule.
      if (entries.size() > 1) {
        Optional<RuleMatch> shorter =
            rules.match("generated", Descriptor.of(entries.subList(0, entries.size() - 1)));
        shorter.ifPresent(s -> assertThat(s.rule()).isNotSameAs(m.get().rule()));
      }
    }
  }

  private static void collect(List<Spec> level, List<Spec> prefix, List<List<Spec>> out) {
    for (Spec s : level) {
      List<Spec> path = new ArrayList<>(prefix);
      path.add(s);
      if (s.requests() != null) {
        out.add(path);
      }
      collect(s.children(), path, out);
    }
  }

  @Provide
  Arbitrary<List<Descriptor.Entry>> entries() {
    Arbitrary<String> text = Arbitraries.strings().withChars("ab|=~\\").ofMaxLength(4);
    return Combinators.combine(text, text).as(Descriptor.Entry::new).list().ofMinSize(1)
        .ofMaxSize(3);
  }

  @Property(tries = 500)
  void differentDescriptorsNeverShareACounterKey(
      @ForAll("entries") List<Descriptor.Entry> a, @ForAll("entries") List<Descriptor.Entry> b) {
    String keyA = Matcher.counterKey("d|=", a, bareRules(a));
    String keyB = Matcher.counterKey("d|=", b, bareRules(b));
    assertThat(keyA.equals(keyB)).isEqualTo(a.equals(b));
  }

  private static List<DescriptorRule> bareRules(List<Descriptor.Entry> entries) {
    List<DescriptorRule> rules = new ArrayList<>();
    for (Descriptor.Entry e : entries) {
      rules.add(new DescriptorRule(e.key(), null, null, false, false, false, false, false,
          false, Map.of(), null, List.of(), "generated", 1, 1));
    }
    return rules;
  }
}
