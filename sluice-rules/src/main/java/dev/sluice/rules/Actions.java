package dev.sluice.rules;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** The built-in {@link Action}s. */
final class Actions {

  private Actions() {}

  /** ({@code descriptor_key} or "remote_address", client address). */
  record RemoteAddress(String descriptorKey) implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      return request.clientAddress().map(a -> new Descriptor.Entry(descriptorKey, a));
    }

    @Override
    public String describe() {
      return "remote_address -> " + descriptorKey;
    }
  }

  /** ({@code descriptor_key}, value of header {@code header_name}). */
  record RequestHeaders(String headerName, String descriptorKey, boolean skipIfAbsent)
      implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      return request.header(headerName).map(v -> new Descriptor.Entry(descriptorKey, v));
    }

    @Override
    public String describe() {
      return "request_headers(" + headerName + (skipIfAbsent ? ", skip_if_absent" : "") + ") -> "
          + descriptorKey;
    }
  }

  /** ({@code descriptor_key} or "basic_auth_user", user of an Authorization: Basic header). */
  record BasicAuthUser(String descriptorKey) implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      return request.basicAuthUser().map(u -> new Descriptor.Entry(descriptorKey, u));
    }

    @Override
    public String describe() {
      return "basic_auth_user -> " + descriptorKey;
    }
  }

  /** ({@code descriptor_key} or "api_key", value of header {@code header_name} or X-API-Key). */
  record ApiKey(String headerName, String descriptorKey) implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      return request.header(headerName)
          .filter(v -> !v.isBlank())
          .map(v -> new Descriptor.Entry(descriptorKey, v.trim()));
    }

    @Override
    public String describe() {
      return "api_key(" + headerName + ") -> " + descriptorKey;
    }
  }

  /** ({@code descriptor_key} or "generic_key", {@code descriptor_value}): always applies. */
  record GenericKey(String descriptorKey, String descriptorValue) implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      return Optional.of(new Descriptor.Entry(descriptorKey, descriptorValue));
    }

    @Override
    public String describe() {
      return "generic_key " + descriptorKey + "=" + descriptorValue;
    }
  }

  /** ({@code descriptor_key} or "path", request path without query). */
  record Path(String descriptorKey) implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      return Optional.of(new Descriptor.Entry(descriptorKey, request.path()));
    }

    @Override
    public String describe() {
      return "path -> " + descriptorKey;
    }
  }

  /**
   * ({@code descriptor_key} or "header_match", {@code descriptor_value}) when every header
   * matcher matches and {@code expect_match} is true, or when not all match and it is false.
   */
  record HeaderValueMatch(
      String descriptorKey, String descriptorValue, boolean expectMatch,
      List<HeaderMatcher> headers) implements Action {
    @Override
    public Optional<Descriptor.Entry> apply(RequestContext request) {
      boolean all = headers.stream().allMatch(h -> h.matches(request));
      return all == expectMatch
          ? Optional.of(new Descriptor.Entry(descriptorKey, descriptorValue))
          : Optional.empty();
    }

    @Override
    public String describe() {
      return "header_value_match(" + headers.stream().map(HeaderMatcher::describe)
          .collect(Collectors.joining(" and ")) + (expectMatch ? "" : ", expect_match: false")
          + ") -> " + descriptorKey + "=" + descriptorValue;
    }
  }

  /** How a {@link HeaderMatcher} compares. */
  enum MatchKind {
    EXACT("exact_match"),
    PREFIX("prefix_match"),
    SUFFIX("suffix_match"),
    CONTAINS("contains_match"),
    PRESENT("present_match"),
    REGEX("safe_regex_match");

    final String field;

    MatchKind(String field) {
      this.field = field;
    }
  }

  /**
   * One header condition of {@code header_value_match}. A missing header matches nothing but
   * {@code present_match: false}; {@code invert_match} negates the result.
   */
  static final class HeaderMatcher {
    private final String name;
    private final MatchKind kind;
    private final String operand;
    private final boolean invert;
    private final @Nullable Pattern regex;

    HeaderMatcher(String name, MatchKind kind, String operand, boolean invert) {
      this.name = name;
      this.kind = kind;
      this.operand = operand;
      this.invert = invert;
      this.regex = kind == MatchKind.REGEX ? Pattern.compile(operand) : null;
    }

    boolean matches(RequestContext request) {
      Optional<String> value = request.header(name);
      boolean result;
      if (kind == MatchKind.PRESENT) {
        result = value.isPresent() == Boolean.parseBoolean(operand);
      } else if (value.isEmpty()) {
        result = false;
      } else {
        String v = value.get();
        switch (kind) {
          case EXACT:
            result = v.equals(operand);
            break;
          case PREFIX:
            result = v.startsWith(operand);
            break;
          case SUFFIX:
            result = v.endsWith(operand);
            break;
          case CONTAINS:
            result = v.contains(operand);
            break;
          default:
            result = regex != null && regex.matcher(v).matches();
            break;
        }
      }
      return result != invert;
    }

    String describe() {
      return name + " " + kind.field + " " + operand + (invert ? " (inverted)" : "");
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof HeaderMatcher h
          && name.equals(h.name)
          && kind == h.kind
          && operand.equals(h.operand)
          && invert == h.invert;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, kind, operand, invert);
    }
  }
}
