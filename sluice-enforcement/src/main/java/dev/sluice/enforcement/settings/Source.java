package dev.sluice.enforcement.settings;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where settings come from: a command line, the environment, a {@code sluice.yaml}, servlet
 * init-params, Java or Spring Boot properties. Made by {@link Sources}; {@link Settings#resolve}
 * asks the sources in order, the first that has a setting wins.
 */
public interface Source {

  /** The value this source gives {@code setting}, or null when it has none. */
  @Nullable Given find(Setting<?> setting);

  /**
   * How this source names {@code setting} in messages ({@code --http-port}, {@code
   * sluice.headers}), whether or not it has a value for it.
   */
  String nameOf(Setting<?> setting);

  /**
   * A value as a source gives it: text to read, or (from a typed binding such as Spring Boot's) a
   * value of the setting's type that is only checked.
   *
   * @param origin where it came from, for messages: {@code environment SLUICE_HTTP_PORT}
   */
  record Given(@Nullable String text, @Nullable Object value, String origin) {
    public Given {
      Objects.requireNonNull(origin, "origin");
      if ((text == null) == (value == null)) {
        throw new IllegalArgumentException("exactly one of text and value");
      }
    }

    /** Text to be read in the front end's dialect. */
    public static Given text(String text, String origin) {
      return new Given(Objects.requireNonNull(text, "text"), null, origin);
    }

    /** A value already of the setting's type. */
    public static Given value(Object value, String origin) {
      return new Given(null, Objects.requireNonNull(value, "value"), origin);
    }
  }
}
