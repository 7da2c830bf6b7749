package dev.sluice.rules;

import static dev.sluice.rules.RuleSchema.ACTIONS;
import static dev.sluice.rules.RuleSchema.METHOD;
import static dev.sluice.rules.RuleSchema.PATH;
import static dev.sluice.rules.RuleSchema.ROUTE_RATE_LIMITS;

import dev.sluice.rules.Schema.Fields;
import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.Located;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import dev.sluice.rules.YamlTree.ScalarNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads Sluice's {@code routes}: each route's {@code path} pattern, {@code method}s and {@code
 * rate_limits}, a list of {@code {actions: [...]}} whose actions {@link ActionReader} reads.
 */
final class RouteReader {

  private RouteReader() {}

  private static final Pattern METHOD_NAME = Pattern.compile("[A-Za-z]+");

  /** The routes of {@code items}, the {@code routes} list of the domain at {@code domain}. */
  static List<Route> readAll(List<Node> items, ParseContext domain) {
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      ParseContext here = domain.at("routes[" + i + "]");
      if (items.get(i) instanceof MapNode map) {
        routes.add(read(map, here));
      } else {
        FileParser.notAMap(items.get(i), here);
      }
    }
    return routes;
  }

  private static Route read(MapNode map, ParseContext here) {
    Fields fields = RuleSchema.ROUTE.check(map, here);
    @Nullable String pattern = fields.get(PATH, here);
    if (pattern != null && !pattern.startsWith("/")) {
      @Nullable Field path = fields.field(PATH);
      here.error(path == null ? map : path.value(),
          "path must start with '/', was '" + pattern + "'");
    }
    Set<String> methods = methods(fields.get(METHOD, here, List.of()), here);
    ParseContext limitsCtx = here.at("rate_limits");
    List<Node> limitItems = fields.get(ROUTE_RATE_LIMITS, limitsCtx, List.of());
    if (limitItems.isEmpty()) {
      here.error(valueOr(fields.field(ROUTE_RATE_LIMITS), map),
          "a route needs rate_limits: a list of {actions: [...]}");
    }
    List<List<Action>> lists = new ArrayList<>();
    for (int j = 0; j < limitItems.size(); j++) {
      ParseContext where = limitsCtx.then("[" + j + "]");
      if (limitItems.get(j) instanceof MapNode entry) {
        lists.add(actions(entry, where));
      } else {
        FileParser.notAMap(limitItems.get(j), where);
      }
    }
    return new Route(pattern, methods, lists, here.file(), map.line());
  }

  /** The actions of one entry of a route's {@code rate_limits}. */
  private static List<Action> actions(MapNode entry, ParseContext where) {
    Fields fields = RuleSchema.ROUTE_LIMIT.check(entry, where);
    List<Node> nodes = fields.get(ACTIONS, where.then(".actions"), List.of());
    if (nodes.isEmpty()) {
      where.error(valueOr(fields.field(ACTIONS), entry), "actions must be a non-empty list");
    }
    List<Action> actions = new ArrayList<>();
    for (int k = 0; k < nodes.size(); k++) {
      @Nullable Action a = ActionReader.read(nodes.get(k), where.then(".actions[" + k + "]"));
      if (a != null) {
        actions.add(a);
      }
    }
    return actions;
  }

  /** HTTP methods, upper case: one name or a list of names. */
  private static Set<String> methods(List<Node> nodes, ParseContext here) {
    Set<String> methods = new LinkedHashSet<>();
    for (Node n : nodes) {
      if (n instanceof ScalarNode s && !s.isNull() && METHOD_NAME.matcher(s.text()).matches()) {
        methods.add(s.text().toUpperCase(Locale.ROOT));
      } else {
        here.error(n, "invalid HTTP method '" + n.describe() + "'");
      }
    }
    return methods;
  }

  /** The field's value, or {@code otherwise} when the key is absent. */
  static Located valueOr(@Nullable Field field, Located otherwise) {
    return field == null ? otherwise : field.value();
  }
}
