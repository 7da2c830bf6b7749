package dev.sluice.rules;

import dev.sluice.Algorithm;
import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.Kind;
import dev.sluice.rules.YamlTree.ListNode;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import dev.sluice.rules.YamlTree.ScalarNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Validates one file's YAML tree and builds its rules, recording every problem (not just the
 * first) with the file, position and descriptor path. Checks what envoy ratelimit checks, with
 * envoy's wording where envoy has one, plus Sluice's extensions.
 */
final class FileParser {

  static final List<String> ROOT_KEYS = List.of("domain", "descriptors", "routes");
  static final List<String> DESCRIPTOR_KEYS =
      List.of("key", "value", "rate_limit", "rate_limits", "descriptors", "shadow_mode",
          "detailed_metric", "value_to_metric", "share_threshold", "quota_mode", "metadata",
          "consistency");
  static final List<String> LIMIT_KEYS =
      List.of("unit", "requests_per_unit", "unlimited", "name", "replaces", "unit_multiplier",
          "algorithm", "burst");
  static final List<String> REPLACES_KEYS = List.of("name");
  static final List<String> ROUTE_KEYS = List.of("path", "method", "rate_limits");
  static final List<String> ROUTE_LIMIT_KEYS = List.of("actions");
  static final List<String> ACTION_TYPES =
      List.of("remote_address", "request_headers", "request_header", "basic_auth_user", "api_key",
          "generic_key", "path", "header_value_match");
  static final List<String> HEADER_MATCHER_KEYS =
      List.of("name", "exact_match", "prefix_match", "suffix_match", "contains_match",
          "present_match", "safe_regex_match", "invert_match");

  /** Keys that are valid one level away, for "belongs inside" hints. */
  private static final Map<String, String> BELONGS = new HashMap<>();

  static {
    for (String k : LIMIT_KEYS) {
      BELONGS.put(k, "rate_limit");
    }
    for (String k : DESCRIPTOR_KEYS) {
      BELONGS.put(k, "a descriptor");
    }
    BELONGS.put("domain", "the top level of the file");
    BELONGS.put("routes", "the top level of the file");
    BELONGS.put("actions", "an entry of a route's rate_limits");
  }

  static final String UNITS = "second, minute, hour, day, week, month, year";
  private static final Set<String> UNIT_NAMES =
      Set.of("second", "minute", "hour", "day", "week", "month", "year");
  private static final long MAX_UINT32 = 4_294_967_295L;
  private static final Pattern METHOD = Pattern.compile("[A-Za-z]+");

  /** What one file holds. {@code domain} is null when missing or empty (an error was recorded). */
  record Parsed(
      @Nullable String domain,
      int domainLine,
      int domainColumn,
      List<DescriptorRule> descriptors,
      List<Route> routes) {}

  private final String file;
  private final List<RuleError> errors;

  private FileParser(String file, List<RuleError> errors) {
    this.file = file;
    this.errors = errors;
  }

  /** Parses {@code content} of {@code file}, appending problems to {@code errors}. */
  static Parsed parse(String file, String content, List<RuleError> errors) {
    Node root;
    try {
      root = YamlTree.parse(content);
    } catch (YamlTree.SyntaxError e) {
      errors.add(new RuleError(file, e.line, e.column, "",
          "error loading config file: " + e.getMessage()));
      return new Parsed(null, 0, 0, List.of(), List.of());
    }
    int first = errors.size();
    Parsed parsed = new FileParser(file, errors).root(root);
    // Report a file's problems in reading order, whatever order the checks ran in.
    errors.subList(first, errors.size()).sort(
        Comparator.comparingInt(RuleError::line).thenComparingInt(RuleError::column));
    return parsed;
  }

  private Parsed root(Node node) {
    if (!(node instanceof MapNode)) {
      error(node, "", "config file must be a map with domain and descriptors, found "
          + node.describe());
      return new Parsed(null, node.line(), node.column(), List.of(), List.of());
    }
    MapNode map = (MapNode) node;
    checkKeys(map, "", ROOT_KEYS);
    Field domainField = map.field("domain");
    String domain = domainField == null ? null : text(domainField, "domain");
    int line = domainField == null ? map.line() : domainField.value().line();
    int column = domainField == null ? map.column() : domainField.value().column();
    if (domain == null || domain.isEmpty()) {
      if (domainField == null || !(domainField.value() instanceof MapNode
          || domainField.value() instanceof ListNode)) {
        errors.add(new RuleError(file, line, column, "domain",
            "config file cannot have empty domain"));
      }
      domain = null;
    }
    String path = domain == null ? "" : domain;
    List<DescriptorRule> descriptors =
        descriptors(map.field("descriptors"), path, (domain == null ? "" : domain) + ".");
    List<Route> routes = routes(map.field("routes"), path);
    return new Parsed(domain, line, column, descriptors, routes);
  }

  // ---------------------------------------------------------------- descriptors

  private List<DescriptorRule> descriptors(@Nullable Field field, String path, String composite) {
    List<Node> items = list(field, path);
    List<DescriptorRule> rules = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      if (!(item instanceof MapNode)) {
        notAMap(item, at(path, "#" + (i + 1)));
        continue;
      }
      rules.add(descriptor((MapNode) item, i, path, composite, seen));
    }
    return rules;
  }

  private DescriptorRule descriptor(
      MapNode map, int index, String path, String composite, Map<String, Integer> seen) {
    Field keyField = map.field("key");
    String key = keyField == null ? null : text(keyField, at(path, "#" + (index + 1)));
    Field valueField = map.field("value");
    String value = valueField == null ? null : text(valueField, at(path, "#" + (index + 1)));
    if (value != null && value.isEmpty()) {
      value = null; // envoy: an empty value is no value
    }
    boolean hasKey = key != null && !key.isEmpty();
    String label = !hasKey ? "#" + (index + 1) : value == null ? key : key + "=" + value;
    String here = at(path, label);
    checkKeys(map, here, DESCRIPTOR_KEYS);
    String finalKey = (key == null ? "" : key) + (value == null ? "" : "_" + value);
    if (!hasKey) {
      if (keyField == null || keyField.value() instanceof ScalarNode) {
        error(keyField == null ? map : keyField.value(), here, "descriptor has empty key");
      }
    } else {
      String identity = key + (value == null ? "\u0000" : "\u0001" + value);
      Integer first = seen.putIfAbsent(identity, map.line());
      if (first != null) {
        error(map, here, "duplicate descriptor composite key '" + composite + finalKey
            + "' (first at line " + first + ")");
      }
    }
    RateLimitRule rateLimit = rateLimit(map, here);
    boolean wildcard = value != null && value.indexOf('*') >= 0;
    boolean share = flag(map, "share_threshold", here);
    if (share && !wildcard) {
      error(map.field("share_threshold"), here,
          "share_threshold can only be used with wildcard values (containing '*'), but found key '"
              + finalKey + "'");
    }
    Map<String, Object> metadata = Map.of();
    Field metadataField = map.field("metadata");
    if (metadataField != null && !isNull(metadataField.value())) {
      if (metadataField.value() instanceof MapNode) {
        metadata = metadataMap((MapNode) metadataField.value(), here + " > metadata");
      } else {
        error(metadataField.value(), here, "metadata must be a map, found "
            + metadataField.value().describe());
      }
    }
    Consistency consistency = consistency(map, here, rateLimit != null);
    List<DescriptorRule> children =
        descriptors(map.field("descriptors"), here, composite + finalKey + ".");
    return new DescriptorRule(
        key == null ? "" : key,
        value,
        rateLimit,
        flag(map, "shadow_mode", here),
        flag(map, "detailed_metric", here),
        flag(map, "value_to_metric", here),
        share,
        flag(map, "quota_mode", here),
        metadata,
        consistency,
        children,
        file,
        map.line(),
        map.column());
  }

  /**
   * The Sluice extension {@code consistency: consistent | eventual} of a descriptor; it applies to
   * the descriptor's own limits, so it needs {@code rate_limit} or {@code rate_limits} beside it.
   */
  private @Nullable Consistency consistency(MapNode map, String here, boolean hasLimits) {
    Field f = map.field("consistency");
    if (f == null || isNull(f.value())) {
      return null;
    }
    String where = here;
    String text = text(f, where);
    if (text == null) {
      return null;
    }
    Optional<Consistency> c = Consistency.parse(text);
    if (c.isEmpty()) {
      error(f.value(), where, "invalid consistency '" + text + "'; use consistent or eventual");
      return null;
    }
    if (!hasLimits) {
      error(f, where, "consistency needs rate_limit or rate_limits on the same descriptor (it is"
          + " not inherited by nested descriptors)");
      return null;
    }
    return c.get();
  }

  // ---------------------------------------------------------------- limits

  /** A {@code replaces} entry, kept with its position to check it against the rule's names. */
  private record Ref(String name, Node node, String path) {}

  /** One parsed limit block. */
  private static final class Block {
    @Nullable RuleLimit limit;
    boolean unlimited;
    @Nullable String name;
    List<String> replaces = new ArrayList<>();
  }

  private @Nullable RateLimitRule rateLimit(MapNode map, String here) {
    Field single = map.field("rate_limit");
    Field several = map.field("rate_limits");
    boolean hasSingle = single != null && !isNull(single.value());
    boolean hasSeveral = several != null && !isNull(several.value());
    if (hasSingle && hasSeveral) {
      error(several, here, "use either rate_limit or rate_limits, not both");
      return null;
    }
    List<Block> blocks = new ArrayList<>();
    List<Ref> refs = new ArrayList<>();
    if (hasSingle) {
      if (single.value() instanceof MapNode) {
        blocks.add(block((MapNode) single.value(), here + " > rate_limit", true, refs));
      } else {
        error(single.value(), here, "rate_limit must be a map, found " + single.value().describe());
      }
    } else if (hasSeveral) {
      if (!(several.value() instanceof ListNode)) {
        error(several.value(), here, "rate_limits must be a list, found "
            + several.value().describe());
      } else {
        List<Node> items = ((ListNode) several.value()).items();
        if (items.isEmpty()) {
          error(several.value(), here, "rate_limits must not be empty");
        }
        for (int i = 0; i < items.size(); i++) {
          String where = here + " > rate_limits[" + i + "]";
          if (items.get(i) instanceof MapNode) {
            blocks.add(block((MapNode) items.get(i), where, false, refs));
          } else {
            notAMap(items.get(i), where);
          }
        }
      }
    }
    if (blocks.isEmpty()) {
      return null;
    }
    Set<String> names = new LinkedHashSet<>();
    for (Block b : blocks) {
      if (b.name != null) {
        names.add(b.name);
      }
    }
    for (Ref ref : refs) {
      if (names.contains(ref.name())) {
        error(ref.node(), ref.path(), "replaces should not contain name of same descriptor");
      }
    }
    if (blocks.size() == 1 && blocks.get(0).unlimited) {
      return RateLimitRule.unlimited(blocks.get(0).name, blocks.get(0).replaces);
    }
    List<RuleLimit> limits = new ArrayList<>();
    for (Block b : blocks) {
      if (b.limit == null) {
        return null; // an error was recorded
      }
      limits.add(b.limit);
    }
    return RateLimitRule.of(limits);
  }

  private Block block(MapNode map, String where, boolean allowUnlimited, List<Ref> refs) {
    int errorsBefore = errors.size();
    checkKeys(map, where, LIMIT_KEYS);
    // A misspelled key already has its error; do not also report the field it meant as missing.
    boolean keyProblems = errors.size() > errorsBefore;
    Block b = new Block();
    b.unlimited = flag(map, "unlimited", where);
    if (b.unlimited && !allowUnlimited) {
      error(map.field("unlimited"), where,
          "unlimited cannot be used in rate_limits; use rate_limit with unlimited: true");
    }
    Field nameField = map.field("name");
    if (nameField != null) {
      String name = text(nameField, where);
      b.name = name == null || name.isEmpty() ? null : name;
    }
    Field replacesField = map.field("replaces");
    List<Node> replaces = list(replacesField, where + ".replaces");
    for (int i = 0; i < replaces.size(); i++) {
      Node item = replaces.get(i);
      String itemPath = where + ".replaces[" + i + "]";
      if (!(item instanceof MapNode)) {
        notAMap(item, itemPath);
        continue;
      }
      MapNode entry = (MapNode) item;
      checkKeys(entry, itemPath, REPLACES_KEYS);
      Field n = entry.field("name");
      String name = n == null ? null : text(n, itemPath);
      if (name == null || name.isEmpty()) {
        error(entry, itemPath, "should not have an empty replaces entry");
        continue;
      }
      b.replaces.add(name);
      refs.add(new Ref(name, entry, itemPath));
    }
    if (b.unlimited) {
      for (String f : List.of("unit", "requests_per_unit", "unit_multiplier", "algorithm",
          "burst")) {
        Field given = map.field(f);
        if (given != null && !isNull(given.value())) {
          error(given, where, f.equals("unit")
              ? "should not specify rate limit unit when unlimited"
              : "should not specify " + f + " when unlimited");
        }
      }
      return b;
    }
    Limit.Unit unit = unit(map, where, !keyProblems);
    Long requests = number(map, "requests_per_unit", where, 0, MAX_UINT32, !keyProblems);
    Long multiplier = number(map, "unit_multiplier", where, 1, MAX_UINT32, false);
    Algorithm algorithm = algorithm(map, where);
    Long burst = number(map, "burst", where, 1, Long.MAX_VALUE, false);
    if (errors.size() > errorsBefore || unit == null || requests == null || algorithm == null) {
      return b;
    }
    long times = multiplier == null ? 1 : multiplier;
    Limit limit = null;
    if (requests == 0) {
      if (burst != null) {
        error(map.field("burst"), where,
            "burst cannot be used with requests_per_unit: 0, which denies every request");
        return b;
      }
    } else {
      long periodMicros;
      try {
        periodMicros = Math.multiplyExact(unit.micros(), times);
      } catch (ArithmeticException e) {
        error(map, where, "invalid limit: the period (unit × unit_multiplier) is too long");
        return b;
      }
      // Every field at once: a limit validated as a token bucket first would refuse counts a
      // window accepts (burst × count is bounded only for buckets).
      Limit.Builder builder =
          Limit.builderOfMicros(requests, periodMicros).algorithm(algorithm).name(b.name);
      if (burst != null) {
        builder.burst(burst);
      }
      try {
        limit = builder.build();
      } catch (InvalidLimitException e) {
        Field at = e.field() == InvalidLimitException.Field.BURST ? map.field("burst") : null;
        error(at == null ? map : at.value(), where, "invalid limit: " + e.getMessage());
        return b;
      }
    }
    b.limit = new RuleLimit(b.name, requests, unit, times, algorithm, burst, b.replaces, limit);
    return b;
  }

  private Limit.@Nullable Unit unit(MapNode map, String where, boolean reportMissing) {
    Field f = map.field("unit");
    if (f == null || isNull(f.value())) {
      if (reportMissing) {
        error(f == null ? map : f.value(), where,
            "rate limit unit is missing; use one of " + UNITS);
      }
      return null;
    }
    String text = text(f, where);
    if (text == null) {
      return null;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    Limit.Unit unit = UNIT_NAMES.contains(lower) ? Limit.Unit.lookup(lower) : null;
    if (unit == null) {
      error(f.value(), where, "invalid rate limit unit '" + text + "'; use one of " + UNITS);
    }
    return unit;
  }

  private @Nullable Algorithm algorithm(MapNode map, String where) {
    Field f = map.field("algorithm");
    if (f == null || isNull(f.value())) {
      return Algorithm.FIXED_WINDOW;
    }
    String text = text(f, where);
    if (text == null) {
      return null;
    }
    String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (Algorithm a : Algorithm.values()) {
      if (a.name().equals(name)) {
        return a;
      }
    }
    error(f.value(), where, "unknown algorithm '" + text + "'; use one of "
        + Arrays.stream(Algorithm.values()).map(Enum::name).collect(Collectors.joining(", ")));
    return null;
  }

  /** An optional (or, if {@code required}, mandatory) whole number in [min, max]. */
  private @Nullable Long number(
      MapNode map, String name, String where, long min, long max, boolean required) {
    Field f = map.field(name);
    if (f == null || isNull(f.value())) {
      if (required) {
        error(f == null ? map : f.value(), where, name + " is missing; give a whole number"
            + (min == 0 ? " (0 denies every request)" : ""));
      }
      return null;
    }
    Node v = f.value();
    BigInteger n = v instanceof ScalarNode && ((ScalarNode) v).kind() == Kind.INT
        ? integer(((ScalarNode) v).text()) : null;
    if (n == null || n.compareTo(BigInteger.valueOf(min)) < 0
        || n.compareTo(BigInteger.valueOf(max)) > 0) {
      String range = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
      error(v, where, name + " must be a whole number " + range + ", was " + v.describe());
      return null;
    }
    return n.longValue();
  }

  /** A YAML 1.1 integer as envoy's yaml.v2 reads it, or null. */
  static @Nullable BigInteger integer(String text) {
    String t = text.replace("_", "");
    boolean negative = t.startsWith("-");
    if (t.startsWith("-") || t.startsWith("+")) {
      t = t.substring(1);
    }
    int radix = 10;
    if (t.startsWith("0x")) {
      radix = 16;
      t = t.substring(2);
    } else if (t.startsWith("0b")) {
      radix = 2;
      t = t.substring(2);
    } else if (t.startsWith("0o")) {
      radix = 8;
      t = t.substring(2);
    } else if (t.length() > 1 && t.startsWith("0")) {
      radix = 8;
      t = t.substring(1);
    }
    try {
      BigInteger n = new BigInteger(t, radix);
      return negative ? n.negate() : n;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- routes

  private List<Route> routes(@Nullable Field field, String path) {
    List<Node> items = list(field, at(path, "routes"));
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String here = at(path, "routes[" + i + "]");
      if (!(item instanceof MapNode)) {
        notAMap(item, here);
        continue;
      }
      MapNode map = (MapNode) item;
      checkKeys(map, here, ROUTE_KEYS);
      String pattern = null;
      Field pathField = map.field("path");
      if (pathField != null && !isNull(pathField.value())) {
        pattern = text(pathField, here);
        if (pattern != null && !pattern.startsWith("/")) {
          error(pathField.value(), here, "path must start with '/', was '" + pattern + "'");
        }
      }
      Set<String> methods = methods(map.field("method"), here);
      List<List<Action>> lists = new ArrayList<>();
      Field limitsField = map.field("rate_limits");
      List<Node> limitItems = list(limitsField, here + " > rate_limits");
      if (limitItems.isEmpty()) {
        error(limitsField == null ? map : limitsField.value(), here,
            "a route needs rate_limits: a list of {actions: [...]}");
      }
      for (int j = 0; j < limitItems.size(); j++) {
        String where = here + " > rate_limits[" + j + "]";
        Node li = limitItems.get(j);
        if (!(li instanceof MapNode)) {
          notAMap(li, where);
          continue;
        }
        checkKeys((MapNode) li, where, ROUTE_LIMIT_KEYS);
        Field actionsField = ((MapNode) li).field("actions");
        List<Node> actionNodes = list(actionsField, where + ".actions");
        if (actionNodes.isEmpty()) {
          error(actionsField == null ? li : actionsField.value(), where,
              "actions must be a non-empty list");
        }
        List<Action> actions = new ArrayList<>();
        for (int k = 0; k < actionNodes.size(); k++) {
          Action a = action(actionNodes.get(k), where + ".actions[" + k + "]");
          if (a != null) {
            actions.add(a);
          }
        }
        lists.add(actions);
      }
      routes.add(new Route(pattern, methods, lists, file, map.line()));
    }
    return routes;
  }

  private Set<String> methods(@Nullable Field field, String here) {
    if (field == null || isNull(field.value())) {
      return Set.of();
    }
    List<Node> nodes = field.value() instanceof ListNode
        ? ((ListNode) field.value()).items() : List.of(field.value());
    Set<String> methods = new LinkedHashSet<>();
    for (Node n : nodes) {
      if (!(n instanceof ScalarNode) || isNull(n)
          || !METHOD.matcher(((ScalarNode) n).text()).matches()) {
        error(n, here, "invalid HTTP method '" + n.describe() + "'");
        continue;
      }
      methods.add(((ScalarNode) n).text().toUpperCase(Locale.ROOT));
    }
    return methods;
  }

  private @Nullable Action action(Node node, String where) {
    if (!(node instanceof MapNode)) {
      notAMap(node, where);
      return null;
    }
    MapNode map = (MapNode) node;
    checkKeys(map, where, ACTION_TYPES);
    List<Field> types = map.fields().stream()
        .filter(f -> ACTION_TYPES.contains(f.name())).collect(Collectors.toList());
    if (types.size() != 1) {
      if (types.isEmpty() && map.fields().isEmpty()) {
        error(map, where, "empty action; use one of " + String.join(", ", ACTION_TYPES));
      } else if (types.size() > 1) {
        error(map, where, "an action has exactly one type, found "
            + types.stream().map(Field::name).collect(Collectors.joining(" and ")));
      }
      return null;
    }
    Field type = types.get(0);
    String here = where + "." + type.name();
    MapNode args;
    if (isNull(type.value())) {
      args = new MapNode(List.of(), type.line(), type.column());
    } else if (type.value() instanceof MapNode) {
      args = (MapNode) type.value();
    } else {
      error(type.value(), here, type.name() + " must be a map, found " + type.value().describe());
      return null;
    }
    int before = errors.size();
    Action action;
    switch (type.name()) {
      case "remote_address":
        checkKeys(args, here, List.of("descriptor_key"));
        action = new Actions.RemoteAddress(optionalText(args, "descriptor_key", here,
            "remote_address"));
        break;
      case "request_headers":
      case "request_header":
        checkKeys(args, here, List.of("header_name", "descriptor_key", "skip_if_absent"));
        action = new Actions.RequestHeaders(requiredText(args, "header_name", here),
            requiredText(args, "descriptor_key", here), flag(args, "skip_if_absent", here));
        break;
      case "basic_auth_user":
        checkKeys(args, here, List.of("descriptor_key"));
        action = new Actions.BasicAuthUser(optionalText(args, "descriptor_key", here,
            "basic_auth_user"));
        break;
      case "api_key":
        checkKeys(args, here, List.of("header_name", "descriptor_key"));
        action = new Actions.ApiKey(optionalText(args, "header_name", here, "x-api-key"),
            optionalText(args, "descriptor_key", here, "api_key"));
        break;
      case "generic_key":
        checkKeys(args, here, List.of("descriptor_value", "descriptor_key"));
        action = new Actions.GenericKey(optionalText(args, "descriptor_key", here, "generic_key"),
            requiredText(args, "descriptor_value", here));
        break;
      case "path":
        checkKeys(args, here, List.of("descriptor_key"));
        action = new Actions.Path(optionalText(args, "descriptor_key", here, "path"));
        break;
      default:
        checkKeys(args, here,
            List.of("descriptor_value", "descriptor_key", "expect_match", "headers"));
        Field expect = args.field("expect_match");
        boolean expectMatch = expect == null || isNull(expect.value())
            || flag(args, "expect_match", here);
        action = new Actions.HeaderValueMatch(
            optionalText(args, "descriptor_key", here, "header_match"),
            requiredText(args, "descriptor_value", here), expectMatch,
            headerMatchers(args, here));
        break;
    }
    return errors.size() > before ? null : action;
  }

  private List<Actions.HeaderMatcher> headerMatchers(MapNode args, String here) {
    Field f = args.field("headers");
    List<Node> items = list(f, here + ".headers");
    if (items.isEmpty()) {
      error(f == null ? args : f.value(), here,
          "header_value_match needs a non-empty headers list");
    }
    List<Actions.HeaderMatcher> matchers = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String where = here + ".headers[" + i + "]";
      if (!(items.get(i) instanceof MapNode)) {
        notAMap(items.get(i), where);
        continue;
      }
      MapNode m = (MapNode) items.get(i);
      checkKeys(m, where, HEADER_MATCHER_KEYS);
      String name = requiredText(m, "name", where);
      List<Actions.MatchKind> kinds = new ArrayList<>();
      for (Actions.MatchKind k : Actions.MatchKind.values()) {
        if (m.field(k.field) != null) {
          kinds.add(k);
        }
      }
      if (kinds.size() > 1) {
        error(m, where, "a header matcher has at most one of exact_match, prefix_match,"
            + " suffix_match, contains_match, present_match, safe_regex_match");
        continue;
      }
      Actions.MatchKind kind = kinds.isEmpty() ? Actions.MatchKind.PRESENT : kinds.get(0);
      String operand;
      if (kinds.isEmpty()) {
        operand = "true";
      } else if (kind == Actions.MatchKind.PRESENT) {
        operand = String.valueOf(flag(m, kind.field, where));
      } else if (kind == Actions.MatchKind.REGEX) {
        Field rf = m.field(kind.field);
        if (rf == null || !(rf.value() instanceof MapNode)) {
          error(rf == null ? m : rf.value(), where, "safe_regex_match must be a map {regex: ...}");
          continue;
        }
        checkKeys((MapNode) rf.value(), where + ".safe_regex_match", List.of("regex"));
        operand = requiredText((MapNode) rf.value(), "regex", where + ".safe_regex_match");
        try {
          Pattern.compile(operand);
        } catch (PatternSyntaxException e) {
          error(rf.value(), where, "invalid regex '" + operand + "': " + e.getDescription());
          continue;
        }
      } else {
        operand = requiredText(m, kind.field, where);
      }
      matchers.add(new Actions.HeaderMatcher(name, kind, operand, flag(m, "invert_match", where)));
    }
    return matchers;
  }

  // ---------------------------------------------------------------- helpers

  private static String at(String path, String child) {
    return path.isEmpty() ? child : path + " > " + child;
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode && ((ScalarNode) n).kind() == Kind.NULL;
  }

  private void error(@Nullable Object where, String path, String problem) {
    int line = 0;
    int column = 0;
    if (where instanceof Node) {
      line = ((Node) where).line();
      column = ((Node) where).column();
    } else if (where instanceof Field) {
      line = ((Field) where).line();
      column = ((Field) where).column();
    }
    errors.add(new RuleError(file, line, column, path, problem));
  }

  private void notAMap(Node item, String path) {
    error(item, path, "yaml file contains list of type other than map: " + item.describe());
  }

  /** Reports non-string, unknown and repeated keys. */
  private void checkKeys(MapNode map, String path, List<String> allowed) {
    Map<String, Integer> seen = new HashMap<>();
    for (Field f : map.fields()) {
      if (!f.stringKey()) {
        error(f, path, "config error, key is not of type string: " + f.name());
        continue;
      }
      if (!allowed.contains(f.name())) {
        error(f, path, unknownKey(f.name(), allowed));
        continue;
      }
      Integer first = seen.putIfAbsent(f.name(), f.line());
      if (first != null) {
        error(f, path, "duplicate key '" + f.name() + "' (first at line " + first + ")");
      }
    }
  }

  static String unknownKey(String name, List<String> allowed) {
    String base = "config error, unknown key '" + name + "'";
    String normalized = normalize(name);
    for (String a : allowed) {
      if (normalize(a).equals(normalized) || distance(name.toLowerCase(Locale.ROOT), a) <= 2) {
        return base + "; did you mean '" + a + "'?";
      }
    }
    String home = BELONGS.get(name);
    if (home != null) {
      return base + "; " + name + " belongs in " + home;
    }
    return base + "; expected one of " + String.join(", ", allowed);
  }

  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
  }

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

  /** The items of a list field; empty for a missing or null field; an error if not a list. */
  private List<Node> list(@Nullable Field field, String path) {
    if (field == null || isNull(field.value())) {
      return List.of();
    }
    if (field.value() instanceof ListNode) {
      return ((ListNode) field.value()).items();
    }
    error(field.value(), path, field.name() + " must be a list, found " + field.value().describe());
    return List.of();
  }

  /** A scalar field's text; null (with an error for maps and lists) otherwise. */
  private @Nullable String text(Field field, String path) {
    Node v = field.value();
    if (v instanceof ScalarNode) {
      ScalarNode s = (ScalarNode) v;
      return s.kind() == Kind.NULL ? null : s.text();
    }
    error(v, path, field.name() + " must be a single value, found " + v.describe());
    return null;
  }

  private String requiredText(MapNode map, String name, String path) {
    Field f = map.field(name);
    String t = f == null ? null : text(f, path);
    if (t == null || t.isEmpty()) {
      if (f == null || f.value() instanceof ScalarNode) {
        error(f == null ? map : f.value(), path, name + " is missing");
      }
      return "";
    }
    return t;
  }

  private String optionalText(MapNode map, String name, String path, String fallback) {
    Field f = map.field(name);
    String t = f == null ? null : text(f, path);
    return t == null || t.isEmpty() ? fallback : t;
  }

  /** A boolean field: false when missing or null; an error unless true/false (yes/no, on/off). */
  private boolean flag(MapNode map, String name, String path) {
    Field f = map.field(name);
    if (f == null || isNull(f.value())) {
      return false;
    }
    Node v = f.value();
    if (v instanceof ScalarNode && ((ScalarNode) v).kind() == Kind.BOOL) {
      String t = ((ScalarNode) v).text().toLowerCase(Locale.ROOT);
      return t.equals("true") || t.equals("yes") || t.equals("on") || t.equals("y");
    }
    error(v, path, name + " must be true or false, was " + v.describe());
    return false;
  }

  private Map<String, Object> metadataMap(MapNode map, String path) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Field f : map.fields()) {
      if (!f.stringKey()) {
        error(f, path, "config error, key is not of type string: " + f.name());
        continue;
      }
      Integer first = seen.putIfAbsent(f.name(), f.line());
      if (first != null) {
        error(f, path, "duplicate key '" + f.name() + "' (first at line " + first + ")");
        continue;
      }
      Object v = metadataValue(f.value(), path + "." + f.name());
      if (v != null) {
        out.put(f.name(), v);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private @Nullable Object metadataValue(Node node, String path) {
    if (node instanceof MapNode) {
      return metadataMap((MapNode) node, path);
    }
    if (node instanceof ListNode) {
      List<Object> items = new ArrayList<>();
      List<Node> nodes = ((ListNode) node).items();
      for (int i = 0; i < nodes.size(); i++) {
        Object v = metadataValue(nodes.get(i), path + "[" + i + "]");
        if (v != null) {
          items.add(v);
        }
      }
      return Collections.unmodifiableList(items);
    }
    ScalarNode s = (ScalarNode) node;
    switch (s.kind()) {
      case NULL:
        error(s, path, "metadata values must not be empty");
        return null;
      case BOOL:
        String t = s.text().toLowerCase(Locale.ROOT);
        return t.equals("true") || t.equals("yes") || t.equals("on");
      case INT:
        BigInteger n = integer(s.text());
        return n != null && n.bitLength() < 64 ? (Object) n.longValue() : s.text();
      case FLOAT:
        try {
          return Double.parseDouble(s.text().replace("_", ""));
        } catch (NumberFormatException e) {
          return s.text();
        }
      default:
        return s.text();
    }
  }
}
