package dev.sluice.http;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What rules need to know about one HTTP request: method, path, client address and headers. The
 * one request type shared by every front end (servlet filter, HTTP and gRPC services), so that
 * route {@link Action}s behave the same everywhere. Immutable.
 *
 * <p>Header names are case-insensitive. {@link #header(String)} also answers the HTTP/2
 * pseudo-headers {@code :method}, {@code :path} (the full target, with query) and {@code
 * :authority} (the {@code Host} header), so envoy-style {@code request_headers} actions on them
 * work.
 *
 * <p>A front end that knows more about the request passes it on: the authenticated {@link
 * #principal()}, a lookup of the framework's request {@link #attribute attributes}, and the
 * framework's own request object ({@link #nativeRequest()}), for key parts and key expressions.
 * The attribute lookup reads the live request: it is meant for the request's own thread.
 */
public final class RequestContext {

  private final String method;
  private final String target;
  private final @Nullable String clientAddress;
  private final Map<String, List<String>> headers;
  private final @Nullable Principal principal;
  private final Function<String, @Nullable Object> attributes;
  private final @Nullable Object nativeRequest;

  private RequestContext(Builder b) {
    this.principal = b.principal;
    this.attributes = b.attributes;
    this.nativeRequest = b.nativeRequest;
    this.method = b.method.toUpperCase(Locale.ROOT);
    this.target = b.target;
    this.clientAddress = b.clientAddress;
    TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    b.headers.forEach((name, values) -> h.put(name, List.copyOf(values)));
    this.headers = Collections.unmodifiableMap(h);
  }

  /** A builder for a request with {@code method} (any case) and {@code target} (path and query). */
  public static Builder builder(String method, String target) {
    return new Builder(method, target);
  }

  /** The method, upper-case: {@code GET}. */
  public String method() {
    return method;
  }

  /** The request target as given: path and query, e.g. {@code /api/users?page=2}. */
  public String target() {
    return target;
  }

  /** The path without the query, e.g. {@code /api/users}. */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /** The client's address (as the front end trusts it), if known. */
  public Optional<String> clientAddress() {
    return Optional.ofNullable(clientAddress);
  }

  /**
   * The header's value, several values joined with {@code ","}; empty when absent. Answers {@code
   * :method}, {@code :path} and {@code :authority} too.
   */
  public Optional<String> header(String name) {
    Objects.requireNonNull(name, "header name must not be null");
    switch (name.toLowerCase(Locale.ROOT)) {
      case ":method":
        return Optional.of(method);
      case ":path":
        return Optional.of(target);
      case ":authority":
        return header("host");
      default:
        List<String> values = headers.get(name);
        return values == null || values.isEmpty()
            ? Optional.empty()
            : Optional.of(String.join(",", values));
    }
  }

  /** Every value of the header, in order; empty when absent. */
  public List<String> headerValues(String name) {
    return headers.getOrDefault(name, List.of());
  }

  /** All headers, names compared case-insensitively. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /**
   * The user of an {@code Authorization: Basic} header (the part before the first {@code :} of the
   * decoded credentials); empty when the header is absent, of another scheme, or malformed.
   */
  public Optional<String> basicAuthUser() {
    Optional<String> auth = header("authorization");
    if (auth.isEmpty()) {
      return Optional.empty();
    }
    String value = auth.get().trim();
    if (value.length() < 6 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value.substring(6).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    String user = colon < 0 ? decoded : decoded.substring(0, colon);
    return user.isEmpty() ? Optional.empty() : Optional.of(user);
  }

  /** The authenticated principal, as the front end's framework established it; empty if none. */
  public Optional<Principal> principal() {
    return Optional.ofNullable(principal);
  }

  /** The name of the authenticated {@link #principal()}; empty if none or blank. */
  public Optional<String> principalName() {
    return principal().map(Principal::getName).filter(n -> !n.isBlank());
  }

  /**
   * The request attribute {@code name} (a servlet request attribute, a WebFlux exchange
   * attribute), as the front end's lookup answers; empty when absent or when the front end gave
   * no lookup.
   */
  public Optional<Object> attribute(String name) {
    Objects.requireNonNull(name, "attribute name must not be null");
    return Optional.ofNullable(attributes.apply(name));
  }

  /**
   * The framework's own request object ({@code HttpServletRequest}, {@code ServerWebExchange}),
   * when the front end passed it; for key expressions.
   */
  public Optional<Object> nativeRequest() {
    return Optional.ofNullable(nativeRequest);
  }

  @Override
  public String toString() {
    return method + " " + target + (clientAddress == null ? "" : " from " + clientAddress)
        + " " + headers.keySet();
  }

  /** Builds a {@link RequestContext}. */
  public static final class Builder {
    private final String method;
    private final String target;
    private @Nullable String clientAddress;
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private @Nullable Principal principal;
    private Function<String, @Nullable Object> attributes = name -> null;
    private @Nullable Object nativeRequest;

    private Builder(String method, String target) {
      this.method = Objects.requireNonNull(method, "method must not be null");
      this.target = Objects.requireNonNull(target, "target must not be null");
      if (method.isBlank()) {
        throw new IllegalArgumentException("method must not be blank");
      }
    }

    /** The client's address, e.g. {@code 10.0.0.1}. */
    public Builder clientAddress(String address) {
      this.clientAddress = Objects.requireNonNull(address, "client address must not be null");
      return this;
    }

    /** Adds one value of a header (names are case-insensitive; values accumulate). */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "header name must not be null");
      Objects.requireNonNull(value, "header value must not be null");
      headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      return this;
    }

    /** Adds every value of every header in {@code all}. */
    public Builder headers(Map<String, ? extends List<String>> all) {
      all.forEach((name, values) -> values.forEach(v -> header(name, v)));
      return this;
    }

    /** The authenticated principal, or null when the request is anonymous. */
    public Builder principal(@Nullable Principal principal) {
      this.principal = principal;
      return this;
    }

    /** How to look up a request attribute by name (null when absent); e.g. {@code request::getAttribute}. */
    public Builder attributes(Function<String, @Nullable Object> lookup) {
      this.attributes = Objects.requireNonNull(lookup, "attribute lookup must not be null");
      return this;
    }

    /** The framework's own request object, for key expressions. */
    public Builder nativeRequest(@Nullable Object request) {
      this.nativeRequest = request;
      return this;
    }

    /** The immutable request; later changes to this builder do not affect it. */
    public RequestContext build() {
      return new RequestContext(this);
    }
  }
}
