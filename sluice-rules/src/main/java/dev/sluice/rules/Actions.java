package dev.sluice.rules;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The built-in {@link Action}s, as the rules file declares them. Each record says which entry its
 * action contributes; the HTTP front ends read the request ({@code dev.sluice.http.Routes}).
 */
public final class Actions {

  private Actions() {}

  /** ({@code descriptor_key} or "remote_address", client address). */
  public record RemoteAddress(String descriptorKey) implements Action {
    @Override
    public String describe() {
      return "remote_address -> " + descriptorKey;
    }
  }

  /** ({@code descriptor_key}, value of header {@code header_name}). */
  public record RequestHeaders(String headerName, String descriptorKey, boolean skipIfAbsent)
      implements Action {
    @Override
    public String describe() {
      return "request_headers(" + headerName + (skipIfAbsent ? ", skip_if_absent" : "") + ") -> "
          + descriptorKey;
    }
  }

  /** ({@code descriptor_key} or "basic_auth_user", user of an Authorization: Basic header). */
  public record BasicAuthUser(String descriptorKey) implements Action {
    @Override
    public String describe() {
      return "basic_auth_user -> " + descriptorKey;
    }
  }

  /**
   * ({@code descriptor_key} or "api_key", the trimmed, non-blank value of header {@code
   * header_name} or X-API-Key).
   */
  public record ApiKey(String headerName, String descriptorKey) implements Action {
    @Override
    public String describe() {
      return "api_key(" + headerName + ") -> " + descriptorKey;
    }
  }

  /** ({@code descriptor_key} or "generic_key", {@code descriptor_value}): always applies. */
  public record GenericKey(String descriptorKey, String descriptorValue) implements Action {
    @Override
    public String describe() {
      return "generic_key " + descriptorKey + "=" + descriptorValue;
    }
  }

  /** ({@code descriptor_key} or "path", request path without query). */
  public record Path(String descriptorKey) implements Action {
    @Override
    public String describe() {
      return "path -> " + descriptorKey;
    }
  }

  /**
   * ({@code descriptor_key} or "header_match", {@code descriptor_value}) when every header
   * matcher matches and {@code expect_match} is true, or when not all match and it is false.
   */
  public record HeaderValueMatch(
      String descriptorKey, String descriptorValue, boolean expectMatch,
      List<HeaderMatcher> headers) implements Action {

    public HeaderValueMatch {
      headers = List.copyOf(headers);
    }

    @Override
    public String describe() {
      return "header_value_match(" + headers.stream().map(HeaderMatcher::describe)
          .collect(Collectors.joining(" and ")) + (expectMatch ? "" : ", expect_match: false")
          + ") -> " + descriptorKey + "=" + descriptorValue;
    }
  }

  /** How a {@link HeaderMatcher} compares. */
  public enum MatchKind {
    EXACT("exact_match"),
    PREFIX("prefix_match"),
    SUFFIX("suffix_match"),
    CONTAINS("contains_match"),
    /** The operand is {@code true} (the header must be present) or {@code false} (absent). */
    PRESENT("present_match"),
    /** The operand is a Java regular expression, checked when the rules load. */
    REGEX("safe_regex_match");

    /** The key of this kind in the rules file. */
    public final String field;

    MatchKind(String field) {
      this.field = field;
    }
  }

  /**
   * One header condition of {@code header_value_match}. A missing header matches nothing but
   * {@code present_match: false}; {@code invert_match} negates the result.
   */
  public record HeaderMatcher(String name, MatchKind kind, String operand, boolean invert) {

    /** For example {@code user-agent contains_match Mobile}. */
    public String describe() {
      return name + " " + kind.field + " " + operand + (invert ? " (inverted)" : "");
    }
  }
}
