package dev.sluice.enforcement.settings;

import java.util.List;

/**
 * The kind of a setting's value: how text becomes the value, how a value that arrives already
 * typed (from Spring Boot's binding) is checked, and how a value is written back (defaults in
 * help texts). Made by {@link ValueTypes}.
 *
 * @param <T> the value's Java type
 */
public interface ValueType<T> {

  /**
   * Reads {@code text} in {@code dialect}.
   *
   * @throws IllegalArgumentException whose message is the problem, worded in {@code dialect}
   */
  T parse(String text, Dialect dialect);

  /**
   * Checks {@code text} without making the value: the same problems as {@link #parse}, for a
   * setting whose value type is not on the class path (see {@link Setting#requires}).
   */
  default void validate(String text, Dialect dialect) {
    parse(text, dialect);
  }

  /**
   * Checks a value that arrives typed (bounds of numbers and durations); returns it.
   *
   * @throws IllegalArgumentException whose message is the problem, worded in {@code dialect}
   */
  default T check(T value, Dialect dialect) {
    return value;
  }

  /** The value as a setting spells it ({@code 50ms}, {@code fail-open}). */
  default String format(T value) {
    return String.valueOf(value);
  }

  /** What the value looks like in a usage line: {@code N}, {@code DURATION}, {@code BOOL}. */
  String label();

  /** The allowed spellings when the value is one of a few, in the order documented; else empty. */
  default List<String> choices() {
    return List.of();
  }

  /**
   * Whether a command line option of this kind may be given without a value, meaning {@code
   * true} ({@code --merge-domains}).
   */
  default boolean isFlag() {
    return false;
  }
}
