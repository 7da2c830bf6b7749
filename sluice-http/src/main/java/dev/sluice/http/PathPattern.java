package dev.sluice.http;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A path pattern, the one glob syntax of every HTTP front end (rule routes, the servlet filter's
 * costs): {@code *} matches any run of characters except {@code /} (one segment, or part of one),
 * {@code **} matches anything, {@code /} and line breaks included; everything else is literal
 * (no character is special to a regular expression). A pattern matches the whole path, case
 * sensitive; give the path without its query. Immutable.
 *
 * <pre>
 *   /api/&#42;/items    /api/v1/items, /api//items          not /api/v1/x/items
 *   /search/&#42;&#42;     /search/, /search/a/b                not /search
 *   /files/&#42;.pdf    /files/a.pdf, /files/.pdf           not /files/apdf, /files/a/b.pdf
 * </pre>
 */
public final class PathPattern {

  private final String glob;
  private final Pattern regex;

  private PathPattern(String glob, Pattern regex) {
    this.glob = glob;
    this.regex = regex;
  }

  /** Compiles {@code glob}; every string is a valid pattern. */
  public static PathPattern compile(String glob) {
    Objects.requireNonNull(glob, "path pattern must not be null");
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c != '*') {
        literal.append(c);
        continue;
      }
      if (literal.length() > 0) {
        re.append(Pattern.quote(literal.toString()));
        literal.setLength(0);
      }
      if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else {
        re.append("[^/]*");
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return new PathPattern(glob, Pattern.compile(re.toString(), Pattern.DOTALL));
  }

  /** Whether the whole of {@code path} matches. */
  public boolean matches(String path) {
    return regex.matcher(path).matches();
  }

  /** The pattern as written. */
  public String glob() {
    return glob;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PathPattern p && glob.equals(p.glob);
  }

  @Override
  public int hashCode() {
    return glob.hashCode();
  }

  @Override
  public String toString() {
    return glob;
  }
}
