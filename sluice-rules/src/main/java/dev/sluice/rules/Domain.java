package dev.sluice.rules;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * All rules of one domain: its descriptor tree and its routes, possibly merged from several files
 * (with domain merging on). Immutable.
 */
public final class Domain {

  private final String name;
  private final Level descriptors;
  private final List<Route> routes;
  private final List<String> files;

  Domain(String name, List<DescriptorRule> descriptors, List<Route> routes, List<String> files) {
    this.name = name;
    this.descriptors = new Level(descriptors);
    this.routes = List.copyOf(routes);
    this.files = List.copyOf(files);
  }

  /** The domain name; never empty. */
  public String name() {
    return name;
  }

  /** The top-level descriptor rules, in file order (files in load order). */
  public List<DescriptorRule> descriptors() {
    return descriptors.rules();
  }

  Level level() {
    return descriptors;
  }

  /**
   * The per-path rules, in file order; the first that covers a request is used (by the HTTP
   * front ends, see {@code dev.sluice.http.Routes}).
   */
  public List<Route> routes() {
    return routes;
  }

  /** The files this domain was read from, in load order. */
  public List<String> files() {
    return files;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Domain d
        && name.equals(d.name)
        && descriptors.rules().equals(d.descriptors.rules())
        && routes.equals(d.routes)
        && files.equals(d.files);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, descriptors.rules(), routes, files);
  }

  @Override
  public String toString() {
    return "Domain[" + name + ", " + descriptors.rules().size() + " descriptors, " + routes.size()
        + " routes]";
  }
}
