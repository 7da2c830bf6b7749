package dev.sluice.rules;

import static dev.sluice.rules.RuleSchema.DESCRIPTORS;
import static dev.sluice.rules.RuleSchema.DOMAIN;
import static dev.sluice.rules.RuleSchema.ROUTES;

import dev.sluice.rules.Schema.Fields;
import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.Located;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads one rules file: its YAML tree ({@link YamlTree}), then the file's own map (domain,
 * descriptors, routes), handing each kind of node to its reader ({@link DescriptorReader}, {@link
 * LimitReader}, {@link RouteReader}, {@link ActionReader}) over a {@link ParseContext}; every
 * kind of map is checked against its {@link RuleSchema}. Records every problem (not just the
 * first) with the file, position and path; checks what envoy ratelimit checks, with envoy's
 * wording where envoy has one, plus Sluice's extensions.
 */
final class FileParser {

  private FileParser() {}

  /** What one file holds. {@code domain} is null when missing or empty (an error was recorded). */
  record Parsed(
      @Nullable String domain,
      int domainLine,
      int domainColumn,
      List<DescriptorRule> descriptors,
      List<Route> routes) {}

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
    Parsed parsed = read(root, ParseContext.of(file, errors));
    // Report a file's problems in reading order, whatever order the checks ran in.
    errors.subList(first, errors.size()).sort(
        Comparator.comparingInt(RuleError::line).thenComparingInt(RuleError::column));
    return parsed;
  }

  /** The file's map: its domain, then the domain's descriptors and routes. */
  private static Parsed read(Node node, ParseContext ctx) {
    if (!(node instanceof MapNode map)) {
      ctx.error(node, "config file must be a map with domain and descriptors, found "
          + node.describe());
      return new Parsed(null, node.line(), node.column(), List.of(), List.of());
    }
    Fields fields = RuleSchema.FILE.check(map, ctx);
    // A map or list as the domain is reported as such, not also as empty.
    @Nullable String domain = fields.require(DOMAIN, ctx.at("domain"));
    @Nullable Field domainField = fields.field(DOMAIN);
    Located at = domainField == null ? map : domainField.value();
    ParseContext inDomain = ctx.at(domain == null ? "" : domain);
    List<DescriptorRule> descriptors = DescriptorReader.readAll(
        fields.get(DESCRIPTORS, inDomain, List.of()), inDomain,
        (domain == null ? "" : domain) + ".");
    List<Route> routes = RouteReader.readAll(
        fields.get(ROUTES, inDomain.at("routes"), List.of()), inDomain);
    return new Parsed(domain, at.line(), at.column(), descriptors, routes);
  }

  /** The error for a list item that should be a map. */
  static void notAMap(Node item, ParseContext ctx) {
    ctx.error(item, "yaml file contains list of type other than map: " + item.describe());
  }
}
