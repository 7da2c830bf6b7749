package dev.sluice.http;

import dev.sluice.enforcement.settings.ValueType;
import dev.sluice.enforcement.settings.ValueTypes;

/** The value types of settings every HTTP front end has, for their declarations. */
public final class HttpSettings {

  private HttpSettings() {}

  /**
   * The value type of a front end's {@code headers} setting (each front end has its own default):
   * {@code x-ratelimit}, {@code ietf}, {@code both} or {@code none}.
   */
  public static final ValueType<HeaderStyle> HEADER_STYLE =
      ValueTypes.of("STYLE", HeaderStyle::parse, ValueTypes::spelling);
}
