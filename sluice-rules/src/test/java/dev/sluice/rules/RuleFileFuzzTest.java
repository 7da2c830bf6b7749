package dev.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Rules files generated from the schema's keys with wrong types, misspellings, nulls, repeats and
 * nesting (fixed seeds, so a failure can be replayed): the parser never throws, reports in reading
 * order at positions inside the file, under the domain's path, and gives the same answer twice.
 */
class RuleFileFuzzTest {

  /** Scalars as written in YAML: valid values of some key, invalid for most. */
  private static final String[] SCALARS = {"", "~", "null", "''", "\"\"", "second", "minute",
      "seconds", "fortnight", "hour", "day", "week", "month", "year", "5", "0", "-1", "1", "10",
      "20", "4294967295", "4294967296", "0x1F", "012", "1_000", "999999937", "9007199254740993",
      "1000001", "true", "false", "yes", "no", "on", "maybe", "token_bucket", "gcra",
      "fixed-window", "SLIDING_WINDOW_LOG", "sliding_window_counter", "leaky", "eventual",
      "Consistent", "strong", "/api/*", "api/*", "/**", "GET", "post", "\"PO ST\"", "x*", "a",
      "k1", "k2", "v1", "2.5", ".inf", "'quoted'", "\"(a+\"", "\"[a-z]+\"", "files/*", "*",
      "name1", "name2", "limit1", "x-api-key", "User-Agent", "Mobile", "' '", "3.0e2"};

  private static final String[] DESCRIPTOR = keys(RuleSchema.DESCRIPTOR);
  private static final String[] LIMIT = keys(RuleSchema.LIMIT);
  private static final String[] ACTIONS = keys(RuleSchema.ACTION);
  private static final String[] ACTION_ARGS = {"descriptor_key", "header_name", "skip_if_absent",
      "descriptor_value", "expect_match", "headers"};
  private static final String[] MATCHER = keys(RuleSchema.HEADER_MATCHER);
  /** Keys of the wrong map, misspelled, or not strings. */
  private static final String[] JUNK = {"colour", "ratelimit", "requestsperunit", "Unit",
      "rate-limit", "1", "true", "~", "'1'", "actions", "domain", "routes", "burst", "descriptor",
      "keys", "regex", "nme", "unit", "name", "algoritm"};

  private static String[] keys(Schema schema) {
    return schema.names().toArray(String[]::new);
  }

  /** A YAML tree to write out. */
  private sealed interface Y permits YMap, YList, YScalar {}

  private record Entry(String key, Y value) {}

  private record YMap(List<Entry> entries) implements Y {}

  private record YList(List<Y> items) implements Y {}

  private record YScalar(String raw) implements Y {}

  /** Writes one random rules document: mostly the schema's keys, with every kind of mistake. */
  private static final class Gen {
    final Random rnd;

    Gen(Random rnd) {
      this.rnd = rnd;
    }

    boolean p(double x) {
      return rnd.nextDouble() < x;
    }

    String pick(String[] a) {
      return a[rnd.nextInt(a.length)];
    }

    Y scalar() {
      return new YScalar(pick(SCALARS));
    }

    Y junk(int depth) {
      int r = rnd.nextInt(10);
      if (depth > 4 || r < 6) {
        return scalar();
      }
      if (r < 8) {
        List<Y> items = new ArrayList<>();
        for (int i = rnd.nextInt(3); i > 0; i--) {
          items.add(junk(depth + 1));
        }
        return new YList(items);
      }
      List<Entry> es = new ArrayList<>();
      for (int i = rnd.nextInt(3); i > 0; i--) {
        es.add(new Entry(pick(p(0.5) ? JUNK : new String[] {"a", "b", "regex", "name"}),
            junk(depth + 1)));
      }
      return new YMap(es);
    }

    /** A value for {@code key}: usually its kind, sometimes anything. */
    Y value(String key, int depth) {
      if (p(0.12)) {
        return junk(depth);
      }
      switch (key) {
        case "descriptors":
          return list(depth, () -> descriptor(depth + 1));
        case "routes":
          return list(depth, () -> route(depth + 1));
        case "rate_limit":
          return limit(depth + 1);
        case "rate_limits":
          return list(depth, () -> limit(depth + 1));
        case "replaces":
          return list(depth, () -> map(new String[] {"name"}, depth + 1, 1));
        case "metadata":
          return junk(depth);
        case "headers":
          return list(depth, () -> map(MATCHER, depth + 1, 3));
        case "safe_regex_match":
          return map(new String[] {"regex"}, depth + 1, 1);
        case "method":
          return p(0.5) ? scalar() : list(depth, this::scalar);
        case "unit_multiplier":
          return new YScalar(pick(new String[] {"1", "5", "4294967295", "60", "0"}));
        case "burst":
          return new YScalar(pick(new String[] {"1", "20", "9007199254740993", "100000000",
              "60000", "0"}));
        case "algorithm":
          return new YScalar(pick(new String[] {"token_bucket", "gcra", "FIXED_WINDOW",
              "sliding-window-log", "SLIDING_WINDOW_COUNTER", "leaky"}));
        case "requests_per_unit":
          return new YScalar(pick(new String[] {"1", "10", "0", "999999937", "2000000"}));
        case "unit":
          return new YScalar(pick(new String[] {"second", "year", "day", "minute", "sec"}));
        case "regex":
          return new YScalar(pick(new String[] {"\"(a+\"", "\"[a-z]+\"", "''", "~"}));
        default:
          return scalar();
      }
    }

    Y list(int depth, java.util.function.Supplier<Y> item) {
      List<Y> items = new ArrayList<>();
      int n = p(0.1) ? 0 : 1 + rnd.nextInt(depth > 3 ? 1 : 3);
      for (int i = 0; i < n; i++) {
        items.add(p(0.05) ? scalar() : item.get());
      }
      return new YList(items);
    }

    YMap map(String[] keys, int depth, int max) {
      List<Entry> es = new ArrayList<>();
      int n = rnd.nextInt(max + 1);
      for (int i = 0; i < n; i++) {
        String k = p(0.07) ? pick(JUNK) : pick(keys);
        es.add(new Entry(k, value(k, depth)));
      }
      return new YMap(es);
    }

    Y descriptor(int depth) {
      List<Entry> es = new ArrayList<>();
      if (!p(0.1)) {
        es.add(new Entry("key", p(0.85) ? new YScalar(pick(new String[] {"k1", "k2", "user",
            "files", "''", "~"})) : junk(depth)));
      }
      if (p(0.5)) {
        es.add(new Entry("value", p(0.85) ? new YScalar(pick(new String[] {"v1", "x*", "*",
            "files/a.pdf", "''", "~"})) : junk(depth)));
      }
      int n = rnd.nextInt(depth > 3 ? 2 : 4);
      for (int i = 0; i < n; i++) {
        String k = p(0.07) ? pick(JUNK) : pick(DESCRIPTOR);
        if (k.equals("descriptors") && depth > 3) {
          continue;
        }
        es.add(new Entry(k, value(k, depth)));
      }
      java.util.Collections.shuffle(es, rnd);
      return new YMap(es);
    }

    Y limit(int depth) {
      List<Entry> es = new ArrayList<>();
      if (p(0.85)) {
        es.add(new Entry("unit", p(0.8) ? new YScalar(pick(new String[] {"second", "minute",
            "hour", "day", "week", "month", "year"})) : scalar()));
      }
      if (p(0.85)) {
        es.add(new Entry("requests_per_unit", p(0.7) ? new YScalar(pick(new String[] {"5", "10",
            "0", "999999937", "2000000", "4294967295"})) : scalar()));
      }
      int n = rnd.nextInt(4);
      for (int i = 0; i < n; i++) {
        String k = p(0.07) ? pick(JUNK) : pick(LIMIT);
        es.add(new Entry(k, value(k, depth)));
      }
      java.util.Collections.shuffle(es, rnd);
      return new YMap(es);
    }

    Y route(int depth) {
      List<Entry> es = new ArrayList<>();
      if (p(0.7)) {
        es.add(new Entry("path", scalar()));
      }
      if (p(0.4)) {
        es.add(new Entry("method", value("method", depth)));
      }
      if (p(0.9)) {
        es.add(new Entry("rate_limits", list(depth, () -> {
          List<Entry> le = new ArrayList<>();
          if (p(0.9)) {
            le.add(new Entry("actions", list(depth + 1, () -> action(depth + 2))));
          }
          if (p(0.1)) {
            le.add(new Entry(pick(JUNK), scalar()));
          }
          return new YMap(le);
        })));
      }
      if (p(0.1)) {
        es.add(new Entry(pick(JUNK), junk(depth)));
      }
      java.util.Collections.shuffle(es, rnd);
      return new YMap(es);
    }

    Y action(int depth) {
      List<Entry> es = new ArrayList<>();
      int n = p(0.85) ? 1 : rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        String type = p(0.05) ? pick(JUNK) : pick(ACTIONS);
        Y args;
        int r = rnd.nextInt(10);
        if (r == 0) {
          args = new YScalar("");
        } else if (r == 1) {
          args = scalar();
        } else {
          List<Entry> a = new ArrayList<>();
          for (int j = rnd.nextInt(4); j > 0; j--) {
            String k = p(0.07) ? pick(JUNK) : pick(ACTION_ARGS);
            a.add(new Entry(k, value(k, depth + 1)));
          }
          args = new YMap(a);
        }
        es.add(new Entry(type, args));
      }
      return new YMap(es);
    }

    Y root() {
      List<Entry> es = new ArrayList<>();
      if (!p(0.08)) {
        es.add(new Entry("domain", p(0.9) ? new YScalar(pick(new String[] {"d", "shop", "''",
            "~", "test-domain"})) : junk(1)));
      }
      if (p(0.85)) {
        es.add(new Entry("descriptors", value("descriptors", 0)));
      }
      if (p(0.35)) {
        es.add(new Entry("routes", value("routes", 0)));
      }
      if (p(0.1)) {
        es.add(new Entry(pick(JUNK), junk(1)));
      }
      if (p(0.1)) {
        java.util.Collections.shuffle(es, rnd);
      }
      return new YMap(es);
    }

    // ---------------------------------------------------------------- YAML text

    void block(Y y, int indent, StringBuilder out) {
      String pad = " ".repeat(indent);
      if (y instanceof YMap m) {
        for (Entry e : m.entries()) {
          out.append(pad).append(e.key()).append(':');
          inline(e.value(), indent, out);
        }
      } else if (y instanceof YList l) {
        for (Y item : l.items()) {
          out.append(pad).append("- ");
          if (item instanceof YMap m && !m.entries().isEmpty() && !p(0.2)) {
            StringBuilder sub = new StringBuilder();
            block(m, indent + 2, sub);
            out.append(sub.substring(indent + 2));
          } else {
            out.append(flow(item)).append('\n');
          }
        }
      }
    }

    void inline(Y v, int indent, StringBuilder out) {
      if (v instanceof YScalar s) {
        out.append(s.raw().isEmpty() ? "" : " " + s.raw()).append('\n');
      } else if (v instanceof YMap m && !m.entries().isEmpty() && !p(0.15)) {
        out.append('\n');
        block(m, indent + 2, out);
      } else if (v instanceof YList l && !l.items().isEmpty() && !p(0.15)) {
        out.append('\n');
        block(l, indent + (p(0.5) ? 2 : 0), out);
      } else {
        out.append(' ').append(flow(v)).append('\n');
      }
    }

    String flow(Y y) {
      if (y instanceof YScalar s) {
        return s.raw().isEmpty() ? "''" : s.raw();
      }
      if (y instanceof YList l) {
        List<String> parts = new ArrayList<>();
        for (Y i : l.items()) {
          parts.add(flow(i));
        }
        return "[" + String.join(", ", parts) + "]";
      }
      YMap m = (YMap) y;
      List<String> parts = new ArrayList<>();
      for (Entry e : m.entries()) {
        String v = e.value() instanceof YScalar s && s.raw().isEmpty() ? "" : " " + flow(e.value());
        parts.add(e.key() + ":" + v);
      }
      return "{" + String.join(", ", parts) + "}";
    }

    String document() {
      StringBuilder out = new StringBuilder();
      Y root = root();
      if (p(0.03)) {
        return p(0.5) ? "" : "- a\n- b\n";
      }
      block(root, 0, out);
      return out.toString();
    }


  }

  private static final int DOCUMENTS = 3_000;

  @Test
  void generatedFilesAreReadWithoutSurprises() {
    int withErrors = 0;
    int clean = 0;
    for (int i = 0; i < DOCUMENTS; i++) {
      String text = new Gen(new Random(1_000_003L * i + 17)).document();
      List<RuleError> errors = new ArrayList<>();
      FileParser.Parsed parsed = FileParser.parse("f.yaml", text, errors);
      List<RuleError> again = new ArrayList<>();
      FileParser.Parsed second = FileParser.parse("f.yaml", text, again);
      String as = "document " + i + ":\n" + text;
      assertThat(again).as(as).isEqualTo(errors);
      assertThat(second).as(as).isEqualTo(parsed);
      assertThat(errors).as(as).isSortedAccordingTo(
          Comparator.comparingInt(RuleError::line).thenComparingInt(RuleError::column));
      int lines = text.split("\n", -1).length;
      for (RuleError e : errors) {
        assertThat(e.file()).isEqualTo("f.yaml");
        assertThat(e.problem()).as(as).isNotBlank();
        if (!e.problem().startsWith("error loading config file")) {
          assertThat(e.line()).as("%s\n%s", e, as).isBetween(1, lines);
          assertThat(e.column()).as("%s\n%s", e, as).isPositive();
        }
        if (parsed.domain() != null && !e.path().isEmpty()) {
          assertThat(e.path()).as("%s\n%s", e, as).startsWith(parsed.domain());
        }
      }
      if (errors.isEmpty()) {
        clean++;
        assertThat(parsed.domain()).as(as).isNotNull();
      } else {
        withErrors++;
      }
    }
    // The generator is worth its time only if it makes both kinds.
    assertThat(clean).isGreaterThan(DOCUMENTS / 50);
    assertThat(withErrors).isGreaterThan(DOCUMENTS / 2);
  }
}
