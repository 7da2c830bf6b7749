package dev.sluice.rules;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Limit;
import dev.sluice.rules.Schema.Key;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Every key a rules file may hold, per kind of map: envoy ratelimit's keys and Sluice's
 * extensions, each with its value type and, when required, its message. The readers ({@link
 * FileParser}, {@link DescriptorReader}, {@link LimitReader}, {@link RouteReader}, {@link
 * ActionReader}) check a map against its schema and read values through these keys.
 *
 * <p>Adding a key: declare it here, add it to its map's schema (the order is the order of "expected
 * one of" messages), and read it in that map's reader.
 */
final class RuleSchema {

  private RuleSchema() {}

  static final String UNITS = "second, minute, hour, day, week, month, year";
  private static final Set<String> UNIT_NAMES =
      Set.of("second", "minute", "hour", "day", "week", "month", "year");
  private static final long MAX_UINT32 = 4_294_967_295L;

  // ---------------------------------------------------------------- the file

  static final Key<String> DOMAIN =
      Key.text("domain").required("config file cannot have empty domain");
  static final Key<List<Node>> DESCRIPTORS = Key.list("descriptors");
  static final Key<List<Node>> ROUTES = Key.list("routes");

  static final Schema FILE = Schema.of("the top level of the file", DOMAIN, DESCRIPTORS, ROUTES);

  // ---------------------------------------------------------------- a descriptor

  static final Key<String> KEY = Key.text("key").required("descriptor has empty key");
  static final Key<String> VALUE = Key.text("value");
  static final Key<MapNode> RATE_LIMIT = Key.map("rate_limit");
  static final Key<List<Node>> RATE_LIMITS = Key.list("rate_limits");
  static final Key<Boolean> SHADOW_MODE = Key.flag("shadow_mode");
  static final Key<Boolean> DETAILED_METRIC = Key.flag("detailed_metric");
  static final Key<Boolean> VALUE_TO_METRIC = Key.flag("value_to_metric");
  static final Key<Boolean> SHARE_THRESHOLD = Key.flag("share_threshold");
  static final Key<Boolean> QUOTA_MODE = Key.flag("quota_mode");
  static final Key<MapNode> METADATA = Key.map("metadata");
  /** Sluice: {@code consistent} or {@code eventual} for the descriptor's own limits. */
  static final Key<Consistency> CONSISTENCY = Key.choice("consistency",
      t -> Consistency.parse(t).orElse(null),
      t -> "invalid consistency '" + t + "'; use consistent or eventual");

  /** Sluice: count the hits even when over the limit (usage reported after the fact). */
  static final Key<Boolean> RECORD_OVER_LIMIT = Key.flag("record_over_limit");

  static final Schema DESCRIPTOR = Schema.of("a descriptor", KEY, VALUE, RATE_LIMIT, RATE_LIMITS,
      DESCRIPTORS, SHADOW_MODE, DETAILED_METRIC, VALUE_TO_METRIC, SHARE_THRESHOLD, QUOTA_MODE,
      METADATA, CONSISTENCY, RECORD_OVER_LIMIT);

  // ---------------------------------------------------------------- a limit (rate_limit)

  static final Key<Limit.Unit> UNIT = Key.choice("unit",
      t -> {
        String lower = t.toLowerCase(Locale.ROOT);
        return UNIT_NAMES.contains(lower) ? Limit.Unit.lookup(lower) : null;
      },
      t -> "invalid rate limit unit '" + t + "'; use one of " + UNITS)
      .required("rate limit unit is missing; use one of " + UNITS);
  static final Key<Long> REQUESTS_PER_UNIT = Key.whole("requests_per_unit", 0, MAX_UINT32)
      .required("requests_per_unit is missing; give a whole number (0 denies every request)");
  static final Key<Boolean> UNLIMITED = Key.flag("unlimited");
  static final Key<String> NAME = Key.text("name");
  static final Key<List<Node>> REPLACES = Key.list("replaces");
  /** Sluice: the period is this many units. */
  static final Key<Long> UNIT_MULTIPLIER = Key.whole("unit_multiplier", 1, MAX_UINT32);
  /** Sluice: how the limit counts; envoy's fixed window when absent. */
  static final Key<Algorithm> ALGORITHM = Key.choice("algorithm",
      t -> {
        String name = t.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        return Arrays.stream(Algorithm.values()).filter(a -> a.name().equals(name)).findFirst()
            .orElse(null);
      },
      t -> "unknown algorithm '" + t + "'; use one of "
          + Arrays.stream(Algorithm.values()).map(Enum::name).collect(Collectors.joining(", ")));
  /** Sluice: the bucket size of TOKEN_BUCKET and GCRA. */
  static final Key<Long> BURST = Key.whole("burst", 1, Long.MAX_VALUE);
  /** Sluice: the unit follows the calendar of a time zone, optionally from an anchor. */
  static final Key<MapNode> CALENDAR = Key.map("calendar");

  static final Schema LIMIT = Schema.of("rate_limit", UNIT, REQUESTS_PER_UNIT, UNLIMITED, NAME,
      REPLACES, UNIT_MULTIPLIER, ALGORITHM, BURST, CALENDAR);

  // ---------------------------------------------------------------- Sluice: a calendar block

  static final String CALENDAR_UNITS = "day, week, month, year";
  /** The time zone whose local midnights start the windows. */
  static final Key<ZoneId> ZONE = Key.choice("zone",
      t -> {
        try {
          return CalendarPeriod.zoneOf(t);
        } catch (IllegalArgumentException e) {
          return null;
        }
      },
      t -> {
        try {
          CalendarPeriod.zoneOf(t);
          return "invalid time zone '" + t + "'";
        } catch (IllegalArgumentException e) {
          return String.valueOf(e.getMessage());
        }
      })
      .required("calendar zone is missing; give a time zone such as Europe/Paris or UTC");
  /** Where the unit's windows start: a date, a day of the month, a day of the week, MM-DD. */
  static final Key<String> ANCHOR = Key.text("anchor");

  static final Schema CALENDAR_BLOCK = Schema.of("calendar", ZONE, ANCHOR);

  static final Key<String> REPLACED_NAME =
      Key.text("name").required("should not have an empty replaces entry");

  static final Schema REPLACED = Schema.of(null, REPLACED_NAME);

  // ---------------------------------------------------------------- Sluice: routes

  static final Key<String> PATH = Key.text("path");
  static final Key<List<Node>> METHOD = Key.oneOrMore("method");
  static final Key<List<Node>> ROUTE_RATE_LIMITS = Key.list("rate_limits");

  static final Schema ROUTE = Schema.of(null, PATH, METHOD, ROUTE_RATE_LIMITS);

  static final Key<List<Node>> ACTIONS = Key.list("actions");

  static final Schema ROUTE_LIMIT = Schema.of("an entry of a route's rate_limits", ACTIONS);

  /** An action is a map with one of these keys, holding the action's arguments. */
  static final Schema ACTION = Schema.of(null, Key.map("remote_address"),
      Key.map("request_headers"), Key.map("request_header"), Key.map("basic_auth_user"),
      Key.map("api_key"), Key.map("generic_key"), Key.map("path"), Key.map("header_value_match"));

  static final Key<String> DESCRIPTOR_KEY = Key.text("descriptor_key");
  static final Key<String> REQUIRED_DESCRIPTOR_KEY =
      Key.text("descriptor_key").required("descriptor_key is missing");
  static final Key<String> HEADER_NAME = Key.text("header_name");
  static final Key<String> REQUIRED_HEADER_NAME =
      Key.text("header_name").required("header_name is missing");
  static final Key<String> DESCRIPTOR_VALUE =
      Key.text("descriptor_value").required("descriptor_value is missing");
  static final Key<Boolean> SKIP_IF_ABSENT = Key.flag("skip_if_absent");
  static final Key<Boolean> EXPECT_MATCH = Key.flag("expect_match");
  static final Key<List<Node>> HEADERS = Key.list("headers");

  static final Schema REMOTE_ADDRESS = Schema.of(null, DESCRIPTOR_KEY);
  static final Schema REQUEST_HEADERS =
      Schema.of(null, REQUIRED_HEADER_NAME, REQUIRED_DESCRIPTOR_KEY, SKIP_IF_ABSENT);
  static final Schema BASIC_AUTH_USER = Schema.of(null, DESCRIPTOR_KEY);
  static final Schema API_KEY = Schema.of(null, HEADER_NAME, DESCRIPTOR_KEY);
  static final Schema GENERIC_KEY = Schema.of(null, DESCRIPTOR_VALUE, DESCRIPTOR_KEY);
  static final Schema PATH_ACTION = Schema.of(null, DESCRIPTOR_KEY);
  static final Schema HEADER_VALUE_MATCH =
      Schema.of(null, DESCRIPTOR_VALUE, DESCRIPTOR_KEY, EXPECT_MATCH, HEADERS);

  static final Key<String> HEADER = Key.text("name").required("name is missing");
  static final Key<Boolean> PRESENT_MATCH = Key.flag("present_match");
  static final Key<MapNode> SAFE_REGEX_MATCH = Key.map("safe_regex_match");
  static final Key<Boolean> INVERT_MATCH = Key.flag("invert_match");

  /** The keys of a header matcher: the name, at most one way to compare, and invert_match. */
  static final Schema HEADER_MATCHER = Schema.of(null, HEADER, compared("exact_match"),
      compared("prefix_match"), compared("suffix_match"), compared("contains_match"),
      PRESENT_MATCH, SAFE_REGEX_MATCH, INVERT_MATCH);

  static final Key<String> REGEX = Key.text("regex").required("regex is missing");

  static final Schema SAFE_REGEX = Schema.of(null, REGEX);

  /** A header matcher's text operand, e.g. {@code exact_match}. */
  static Key<String> compared(String name) {
    return Key.text(name).required(name + " is missing");
  }

  // ---------------------------------------------------------------- hints

  /** For a key written in the wrong map: where it belongs. Later schemas win a shared name. */
  private static final Map<String, String> BELONGS = new HashMap<>();

  static {
    for (Schema s : List.of(CALENDAR_BLOCK, FILE, LIMIT, DESCRIPTOR, ROUTE_LIMIT)) {
      for (String k : s.names()) {
        BELONGS.put(k, Objects.requireNonNull(s.home(), "a hinted schema has a home"));
      }
    }
  }

  /**
   * The message for an unknown key: a did-you-mean for a near spelling of an allowed key, else
   * where the key belongs if it is valid one level away, else the allowed keys.
   */
  static String unknownKey(String name, List<String> allowed) {
    String base = "config error, unknown key '" + name + "'";
    String normalized = normalize(name);
    for (String a : allowed) {
      if (normalize(a).equals(normalized) || distance(name.toLowerCase(Locale.ROOT), a) <= 2) {
        return base + "; did you mean '" + a + "'?";
      }
    }
    @Nullable String home = BELONGS.get(name);
    if (home != null) {
      return base + "; " + name + " belongs in " + home;
    }
    return base + "; expected one of " + String.join(", ", allowed);
  }

  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
