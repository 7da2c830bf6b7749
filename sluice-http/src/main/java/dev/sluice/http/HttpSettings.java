package dev.sluice.http;

import dev.sluice.enforcement.settings.Setting;
import dev.sluice.enforcement.settings.ValueType;
import dev.sluice.enforcement.settings.ValueTypes;
import java.util.List;

/** The settings every HTTP front end has, declared once, for their declarations. */
public final class HttpSettings {

  private HttpSettings() {}

  /**
   * The value type of a front end's {@code headers} setting (each front end has its own default):
   * {@code x-ratelimit}, {@code ietf}, {@code both} or {@code none}.
   */
  public static final ValueType<HeaderStyle> HEADER_STYLE =
      ValueTypes.of("STYLE", HeaderStyle::parse, ValueTypes::spelling);

  /**
   * The {@code headers} setting with a front end's default: the service answers envoy-style
   * clients and sends both header sets by default; an application's own filter sends {@code
   * x-ratelimit} only.
   */
  public static Setting<HeaderStyle> headers(HeaderStyle byDefault) {
    return Setting.of("headers", HEADER_STYLE)
        .byDefault(ValueTypes.spelling(byDefault))
        .help("Rate limit headers: x-ratelimit, ietf, both or none");
  }

  /** The value type of a header name setting (an RFC 9110 token). */
  public static final ValueType<String> HEADER_NAME = ValueTypes.of("NAME", HeaderNames::name);

  /** {@code header-limit}: the name of the x-ratelimit style's limit header. */
  public static Setting<String> headerLimit() {
    return Setting.of("header-limit", HEADER_NAME)
        .byDefault(HeaderNames.DEFAULT.limit())
        .help("Name of the x-ratelimit style's limit header (envoy: RateLimit-Limit)");
  }

  /** {@code header-remaining}: the name of the x-ratelimit style's remaining header. */
  public static Setting<String> headerRemaining() {
    return Setting.of("header-remaining", HEADER_NAME)
        .byDefault(HeaderNames.DEFAULT.remaining())
        .help("Name of the x-ratelimit style's remaining header (envoy: RateLimit-Remaining)");
  }

  /** {@code header-reset}: the name of the x-ratelimit style's reset header. */
  public static Setting<String> headerReset() {
    return Setting.of("header-reset", HEADER_NAME)
        .byDefault(HeaderNames.DEFAULT.reset())
        .help("Name of the x-ratelimit style's reset header (envoy: RateLimit-Reset)");
  }

  /**
   * The {@code trusted-proxies} setting: addresses and CIDR ranges (comma-separated) of the
   * gateways whose forwarded client address is believed ({@link TrustedProxies#of(List)}); {@code
   * help} says which headers the front end reads.
   */
  public static Setting<List<String>> trustedProxies(String help) {
    return Setting.of("trusted-proxies",
            ValueTypes.list("CIDRS", c -> TrustedProxies.of(List.of(c))))
        .help(help);
  }
}
