package dev.sluice.rules;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One problem found while loading rules: the file, the position in it, the path of the offending
 * descriptor or field, and what is wrong.
 *
 * <p>{@link #toString()} gives the whole error as one line, {@code
 * file:line:column: path: problem}, for example:
 *
 * <pre>
 * rules/api.yaml:7:13: api &gt; key1=value1 &gt; rate_limit: invalid rate limit unit 'week2'; ...
 * </pre>
 *
 * Line and column are 1-based; both are 0 when the problem has no position (an unreadable file).
 */
public final class RuleError {

  private final String file;
  private final int line;
  private final int column;
  private final String path;
  private final String problem;

  /**
   * An error in {@code file} at {@code line}:{@code column} (0 when unknown) concerning {@code
   * path} (empty when it concerns the whole file).
   */
  public RuleError(String file, int line, int column, String path, String problem) {
    this.file = Objects.requireNonNull(file, "file");
    this.line = line;
    this.column = column;
    this.path = Objects.requireNonNull(path, "path");
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  /** The file as it was named when loading (relative or absolute, as given). */
  public String file() {
    return file;
  }

  /** 1-based line, or 0 when the problem has no position. */
  public int line() {
    return line;
  }

  /** 1-based column, or 0 when the problem has no position. */
  public int column() {
    return column;
  }

  /**
   * Where in the rules: the domain, then each descriptor as {@code key=value} (or {@code key}, or
   * {@code #n} when it has no usable key), then the field, joined by {@code " > "}. Empty when the
   * problem concerns the whole file.
   */
  public String path() {
    return path;
  }

  /** What is wrong, in words. */
  public String problem() {
    return problem;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(file);
    if (line > 0) {
      s.append(':').append(line).append(':').append(column);
    }
    s.append(": ");
    if (!path.isEmpty()) {
      s.append(path).append(": ");
    }
    return s.append(problem).toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RuleError e
        && file.equals(e.file)
        && line == e.line
        && column == e.column
        && path.equals(e.path)
        && problem.equals(e.problem);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, line, column, path, problem);
  }
}
