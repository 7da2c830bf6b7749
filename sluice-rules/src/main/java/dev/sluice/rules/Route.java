package dev.sluice.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A Sluice per-path rule: which requests it covers (a path pattern and HTTP methods) and the
 * action lists that turn such a request into descriptors, like envoy's route {@code rate_limits}.
 * Each action list yields at most one {@link Descriptor}.
 *
 * <p>Path patterns: {@code *} matches any characters except {@code /} (one segment or part of
 * one), {@code **} matches anything including {@code /}; everything else is literal. The query
 * string is ignored. No path matches every path; no method matches every method.
 */
public final class Route {

  private final @Nullable String path;
  private final @Nullable Pattern pathRegex;
  private final Set<String> methods;
  private final List<List<Action>> descriptorActions;
  private final String file;
  private final int line;

  Route(
      @Nullable String path,
      Set<String> methods,
      List<List<Action>> descriptorActions,
      String file,
      int line) {
    this.path = path;
    this.pathRegex = path == null ? null : compile(path);
    this.methods = Set.copyOf(methods);
    this.descriptorActions =
        descriptorActions.stream().map(List::copyOf).collect(Collectors.toUnmodifiableList());
    this.file = file;
    this.line = line;
  }

  /** The path pattern; empty when the route covers every path. */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /** The upper-case methods covered; empty when the route covers every method. */
  public Set<String> methods() {
    return methods;
  }

  /** One action list per descriptor this route produces, in file order. */
  public List<List<Action>> descriptorActions() {
    return descriptorActions;
  }

  /** The file this route was read from. */
  public String file() {
    return file;
  }

  /** The line of this route in {@link #file()}. */
  public int line() {
    return line;
  }

  /** Whether {@code request}'s method and path are covered by this route. */
  public boolean matches(RequestContext request) {
    if (!methods.isEmpty() && !methods.contains(request.method())) {
      return false;
    }
    return pathRegex == null || pathRegex.matcher(request.path()).matches();
  }

  /**
   * The descriptors for {@code request}: one per action list whose every action applies (or
   * skips), in order; lists that cannot be completed, or that skip every action, yield nothing.
   * Does not check {@link #matches}.
   */
  public List<Descriptor> descriptors(RequestContext request) {
    List<Descriptor> out = new ArrayList<>();
    next:
    for (List<Action> actions : descriptorActions) {
      List<Descriptor.Entry> entries = new ArrayList<>();
      for (Action a : actions) {
        Optional<Descriptor.Entry> e = a.apply(request);
        if (e.isPresent()) {
          entries.add(e.get());
        } else if (!a.skipIfAbsent()) {
          continue next;
        }
      }
      if (!entries.isEmpty()) {
        out.add(Descriptor.of(entries));
      }
    }
    return out;
  }

  /** For example {@code GET,HEAD /api/**}. */
  public String describe() {
    String m = methods.isEmpty() ? "*" : methods.stream().sorted().collect(Collectors.joining(","));
    return m + " " + (path == null ? "/**" : path);
  }

  /** The regex equivalent of a path pattern. */
  static Pattern compile(String pattern) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c != '*') {
        literal.append(c);
        continue;
      }
      if (literal.length() > 0) {
        re.append(Pattern.quote(literal.toString()));
        literal.setLength(0);
      }
      if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else {
        re.append("[^/]*");
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Route r
        && Objects.equals(path, r.path)
        && methods.equals(r.methods)
        && descriptorActions.equals(r.descriptorActions)
        && file.equals(r.file)
        && line == r.line;
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, methods, descriptorActions, file, line);
  }

  @Override
  public String toString() {
    return "Route[" + describe() + "]";
  }
}
