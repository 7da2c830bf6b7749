package dev.sluice.rules;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A Sluice per-path rule as written: which requests it covers (a path pattern and HTTP methods)
 * and the action lists that turn such a request into descriptors, like envoy's route {@code
 * rate_limits}. Each action list yields at most one {@link Descriptor}.
 *
 * <p>This is the declarative model only: plain strings and {@link Action} values. Front ends
 * compile and apply it to HTTP requests ({@code dev.sluice.http.Routes} in {@code sluice-http}):
 * in a path pattern, {@code *} matches any characters except {@code /} (one segment or part of
 * one), {@code **} matches anything including {@code /}; everything else is literal. The query
 * string is ignored. No path matches every path; no method matches every method.
 */
public final class Route {

  private final @Nullable String path;
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

  /** For example {@code GET,HEAD /api/**}. */
  public String describe() {
    String m = methods.isEmpty() ? "*" : methods.stream().sorted().collect(Collectors.joining(","));
    return m + " " + (path == null ? "/**" : path);
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
