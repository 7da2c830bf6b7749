package dev.sluice.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A request descriptor as envoy sends it: an ordered list of key/value entries, for example {@code
 * (remote_address=10.0.0.1), (path=/api)}. The order matters: entry {@code i} is looked up at depth
 * {@code i} of a domain's descriptor tree. Immutable.
 */
public final class Descriptor {

  /**
   * One key/value pair of a request descriptor. Both are non-null; the value may be empty (envoy
   * allows it; it then matches only bare-key and {@code *} rules).
   */
  public record Entry(String key, String value) {
    /** Validates that neither part is null. */
    public Entry {
      Objects.requireNonNull(key, "descriptor entry key must not be null");
      Objects.requireNonNull(value, "descriptor entry value must not be null");
    }

    @Override
    public String toString() {
      return key + "=" + value;
    }
  }

  private final List<Entry> entries;

  private Descriptor(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** A descriptor of {@code entries}, in order. */
  public static Descriptor of(List<Entry> entries) {
    Objects.requireNonNull(entries, "entries must not be null");
    return new Descriptor(entries);
  }

  /**
   * A descriptor from alternating keys and values: {@code Descriptor.of("user", "42", "path",
   * "/x")}.
   *
   * @throws IllegalArgumentException if an odd number of strings is given
   */
  public static Descriptor of(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "expected key, value pairs, got " + keysAndValues.length + " strings");
    }
    List<Entry> list = new ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      list.add(new Entry(keysAndValues[i], keysAndValues[i + 1]));
    }
    return new Descriptor(list);
  }

  /** The entries, in order. */
  public List<Entry> entries() {
    return entries;
  }

  /** Number of entries: the depth this descriptor is matched at. */
  public int size() {
    return entries.size();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Descriptor d && entries.equals(d.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  /** For example {@code (remote_address=10.0.0.1, path=/api)}. */
  @Override
  public String toString() {
    return entries.stream().map(Entry::toString).collect(Collectors.joining(", ", "(", ")"));
  }
}
