package dev.sluice.rules;

import dev.sluice.rules.YamlTree.Located;
import java.util.List;

/**
 * Where a reader is in one rules file: the file's name, the errors found so far, and the path of
 * the node being read, as errors show it ({@code shop > user=42 > rate_limit}, {@code routes >
 * routes[0] > rate_limits[1].actions[0]}). An error takes its line and column from the node or
 * key it is attached to, so it lands where it belongs structurally.
 *
 * <p>Immutable apart from the shared error list: a child context is a new path over the same
 * list.
 */
final class ParseContext {

  private final String file;
  private final List<RuleError> errors;
  private final String path;

  private ParseContext(String file, List<RuleError> errors, String path) {
    this.file = file;
    this.errors = errors;
    this.path = path;
  }

  /** The top of {@code file}, recording its problems in {@code errors}. */
  static ParseContext of(String file, List<RuleError> errors) {
    return new ParseContext(file, errors, "");
  }

  /** The file's name as given when loading. */
  String file() {
    return file;
  }

  /** The path of the node being read; empty at the top of the file. */
  String path() {
    return path;
  }

  /** A child node named {@code label}: {@code parent > label} (or {@code label} at the top). */
  ParseContext at(String label) {
    return new ParseContext(file, errors, path.isEmpty() ? label : path + " > " + label);
  }

  /** A part of this node: the path and {@code suffix} ({@code .replaces}, {@code [2]}). */
  ParseContext then(String suffix) {
    return new ParseContext(file, errors, path + suffix);
  }

  /** Records {@code problem} at {@code where}'s line and column, under this context's path. */
  void error(Located where, String problem) {
    errors.add(new RuleError(file, where.line(), where.column(), path, problem));
  }

  /** A mark to ask {@link #errorsSince} about. */
  int mark() {
    return errors.size();
  }

  /** Whether any error (anywhere in the file) was recorded after {@code mark}. */
  boolean errorsSince(int mark) {
    return errors.size() > mark;
  }
}
