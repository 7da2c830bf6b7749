package dev.sluice.rules;

import static dev.sluice.rules.RuleSchema.DESCRIPTOR_KEY;
import static dev.sluice.rules.RuleSchema.DESCRIPTOR_VALUE;
import static dev.sluice.rules.RuleSchema.EXPECT_MATCH;
import static dev.sluice.rules.RuleSchema.HEADER;
import static dev.sluice.rules.RuleSchema.HEADERS;
import static dev.sluice.rules.RuleSchema.HEADER_NAME;
import static dev.sluice.rules.RuleSchema.INVERT_MATCH;
import static dev.sluice.rules.RuleSchema.PRESENT_MATCH;
import static dev.sluice.rules.RuleSchema.REGEX;
import static dev.sluice.rules.RuleSchema.REQUIRED_DESCRIPTOR_KEY;
import static dev.sluice.rules.RuleSchema.REQUIRED_HEADER_NAME;
import static dev.sluice.rules.RuleSchema.SAFE_REGEX_MATCH;
import static dev.sluice.rules.RuleSchema.SKIP_IF_ABSENT;

import dev.sluice.rules.Schema.Fields;
import dev.sluice.rules.Schema.Key;
import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Reads one action of a route's {@code rate_limits} (envoy's route actions): a map with exactly
 * one action type whose value holds that type's arguments, each type checked against its own
 * schema; and the header matchers of {@code header_value_match}.
 */
final class ActionReader {

  private ActionReader() {}

  /** The action at {@code node}, or null when it is wrong (reported). */
  static @Nullable Action read(Node node, ParseContext where) {
    if (!(node instanceof MapNode map)) {
      FileParser.notAMap(node, where);
      return null;
    }
    Fields fields = RuleSchema.ACTION.check(map, where);
    List<Field> types = map.fields().stream()
        .filter(f -> RuleSchema.ACTION.declares(f.name())).toList();
    if (types.size() != 1) {
      if (types.isEmpty() && map.fields().isEmpty()) {
        where.error(map, "empty action; use one of "
            + String.join(", ", RuleSchema.ACTION.names()));
      } else if (types.size() > 1) {
        where.error(map, "an action has exactly one type, found "
            + types.stream().map(Field::name).collect(Collectors.joining(" and ")));
      }
      return null;
    }
    Field type = types.get(0);
    ParseContext here = where.then("." + type.name());
    @Nullable MapNode args;
    if (type.value().isNull()) {
      args = new MapNode(List.of(), type.line(), type.column());
    } else {
      args = fields.get(Key.map(type.name()), here);
      if (args == null) {
        return null;
      }
    }
    int mark = here.mark();
    Action action = switch (type.name()) {
      case "remote_address" -> {
        Fields a = RuleSchema.REMOTE_ADDRESS.check(args, here);
        yield new Actions.RemoteAddress(text(a, DESCRIPTOR_KEY, here, "remote_address"));
      }
      case "request_headers", "request_header" -> {
        Fields a = RuleSchema.REQUEST_HEADERS.check(args, here);
        yield new Actions.RequestHeaders(required(a, REQUIRED_HEADER_NAME, here),
            required(a, REQUIRED_DESCRIPTOR_KEY, here),
            a.get(SKIP_IF_ABSENT, here, false));
      }
      case "basic_auth_user" -> {
        Fields a = RuleSchema.BASIC_AUTH_USER.check(args, here);
        yield new Actions.BasicAuthUser(text(a, DESCRIPTOR_KEY, here, "basic_auth_user"));
      }
      case "api_key" -> {
        Fields a = RuleSchema.API_KEY.check(args, here);
        yield new Actions.ApiKey(text(a, HEADER_NAME, here, "x-api-key"),
            text(a, DESCRIPTOR_KEY, here, "api_key"));
      }
      case "generic_key" -> {
        Fields a = RuleSchema.GENERIC_KEY.check(args, here);
        yield new Actions.GenericKey(text(a, DESCRIPTOR_KEY, here, "generic_key"),
            required(a, DESCRIPTOR_VALUE, here));
      }
      case "path" -> {
        Fields a = RuleSchema.PATH_ACTION.check(args, here);
        yield new Actions.Path(text(a, DESCRIPTOR_KEY, here, "path"));
      }
      default -> {
        Fields a = RuleSchema.HEADER_VALUE_MATCH.check(args, here);
        boolean expectMatch = !a.has(EXPECT_MATCH) || a.get(EXPECT_MATCH, here, false);
        yield new Actions.HeaderValueMatch(text(a, DESCRIPTOR_KEY, here, "header_match"),
            required(a, DESCRIPTOR_VALUE, here), expectMatch, headerMatchers(a, here));
      }
    };
    return here.errorsSince(mark) ? null : action;
  }

  /** An optional text argument, {@code fallback} when absent or empty. */
  private static String text(Fields args, Key<String> key, ParseContext here, String fallback) {
    @Nullable String t = args.get(key, here);
    return t == null || t.isEmpty() ? fallback : t;
  }

  /** A required text argument; empty after reporting it missing. */
  private static String required(Fields args, Key<String> key, ParseContext here) {
    @Nullable String t = args.require(key, here);
    return t == null ? "" : t;
  }

  /** The {@code headers} of {@code header_value_match}: at least one matcher. */
  private static List<Actions.HeaderMatcher> headerMatchers(Fields args, ParseContext here) {
    List<Node> items = args.get(HEADERS, here.then(".headers"), List.of());
    if (items.isEmpty()) {
      here.error(RouteReader.valueOr(args.field(HEADERS), args.map()),
          "header_value_match needs a non-empty headers list");
    }
    List<Actions.HeaderMatcher> matchers = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      ParseContext where = here.then(".headers[" + i + "]");
      if (!(items.get(i) instanceof MapNode map)) {
        FileParser.notAMap(items.get(i), where);
        continue;
      }
      Actions.@Nullable HeaderMatcher m = headerMatcher(map, where);
      if (m != null) {
        matchers.add(m);
      }
    }
    return matchers;
  }

  /**
   * One header matcher: a header name and at most one way to compare (none: the header must be
   * present); null when it has several ways or a bad regex (reported).
   */
  private static Actions.@Nullable HeaderMatcher headerMatcher(MapNode map, ParseContext where) {
    Fields m = RuleSchema.HEADER_MATCHER.check(map, where);
    String name = required(m, HEADER, where);
    List<Actions.MatchKind> kinds = new ArrayList<>();
    for (Actions.MatchKind k : Actions.MatchKind.values()) {
      if (map.field(k.field) != null) {
        kinds.add(k);
      }
    }
    if (kinds.size() > 1) {
      where.error(map, "a header matcher has at most one of exact_match, prefix_match,"
          + " suffix_match, contains_match, present_match, safe_regex_match");
      return null;
    }
    Actions.MatchKind kind = kinds.isEmpty() ? Actions.MatchKind.PRESENT : kinds.get(0);
    String operand;
    if (kinds.isEmpty()) {
      operand = "true";
    } else if (kind == Actions.MatchKind.PRESENT) {
      operand = String.valueOf(m.get(PRESENT_MATCH, where, false));
    } else if (kind == Actions.MatchKind.REGEX) {
      @Nullable Field rf = m.field(SAFE_REGEX_MATCH);
      if (rf == null || !(rf.value() instanceof MapNode regexMap)) {
        where.error(RouteReader.valueOr(rf, map), "safe_regex_match must be a map {regex: ...}");
        return null;
      }
      ParseContext regexCtx = where.then(".safe_regex_match");
      operand = required(RuleSchema.SAFE_REGEX.check(regexMap, regexCtx), REGEX, regexCtx);
      try {
        Pattern.compile(operand);
      } catch (PatternSyntaxException e) {
        where.error(regexMap, "invalid regex '" + operand + "': " + e.getDescription());
        return null;
      }
    } else {
      operand = required(m, RuleSchema.compared(kind.field), where);
    }
    return new Actions.HeaderMatcher(name, kind, operand, m.get(INVERT_MATCH, where, false));
  }
}
