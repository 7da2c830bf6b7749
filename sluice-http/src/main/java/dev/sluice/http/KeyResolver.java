package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a request into the key its permits are counted under, made of named parts: {@code
 * ip=10.0.0.1}, {@code user=alice|path=/pizza}. Parts are escaped ({@code \}, {@code |} and
 * {@code =} by {@code \}), so different requests never share a key by accident.
 *
 * <p>A part that the request lacks (no basic-auth user, no API key, no such header) makes the
 * whole key missing; the front end then falls back to the client address ({@link
 * #resolveWithIpFallback}) or answers 401, as its {@link OnMissingKey} says. Immutable and
 * thread-safe.
 */
public final class KeyResolver {

  /** What a part reads from the request. */
  enum Kind {
    IP("ip"), USER("user"), API_KEY("api-key"), HEADER("header"), PATH("path"), METHOD("method");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One part of a key. */
  record Part(Kind kind, String header) {
    Optional<String> read(RequestContext r) {
      switch (kind) {
        case IP:
          return r.clientAddress();
        case USER:
          return r.basicAuthUser();
        case API_KEY:
        case HEADER:
          return r.header(header).map(String::trim).filter(v -> !v.isEmpty());
        case PATH:
          return Optional.of(r.path());
        case METHOD:
          return Optional.of(r.method());
        default:
          throw new AssertionError(kind);
      }
    }

    String name() {
      return kind == Kind.HEADER ? "header:" + header.toLowerCase(Locale.ROOT) : kind.label;
    }
  }

  private final List<Part> parts;

  private KeyResolver(List<Part> parts) {
    this.parts = List.copyOf(parts);
  }

  /** By client address (see {@link TrustedProxies}). */
  public static KeyResolver ip() {
    return new KeyResolver(List.of(new Part(Kind.IP, "")));
  }

  /** By the user of {@code Authorization: Basic}. */
  public static KeyResolver user() {
    return new KeyResolver(List.of(new Part(Kind.USER, "")));
  }

  /** By the value of the API key header, e.g. {@code X-API-Key}. */
  public static KeyResolver apiKey(String header) {
    return new KeyResolver(List.of(new Part(Kind.API_KEY, checkHeader(header))));
  }

  /** By the value of any header. */
  public static KeyResolver header(String name) {
    return new KeyResolver(List.of(new Part(Kind.HEADER, checkHeader(name))));
  }

  /** By the path (without query), e.g. to give each route its own counter. */
  public static KeyResolver path() {
    return new KeyResolver(List.of(new Part(Kind.PATH, "")));
  }

  /** By the HTTP method. */
  public static KeyResolver method() {
    return new KeyResolver(List.of(new Part(Kind.METHOD, "")));
  }

  /** This key combined with {@code other}: a request is counted per distinct pair. */
  public KeyResolver and(KeyResolver other) {
    List<Part> all = new ArrayList<>(parts);
    all.addAll(other.parts);
    return new KeyResolver(all);
  }

  /**
   * Parses {@code ip}, {@code user}, {@code api-key}, {@code header:<Name>}, {@code path}, {@code
   * method}, or several joined by {@code +} ({@code user+path}).
   *
   * @param apiKeyHeader the header {@code api-key} reads
   * @throws IllegalArgumentException naming the part that is unknown
   */
  public static KeyResolver parse(String spec, String apiKeyHeader) {
    List<Part> parts = new ArrayList<>();
    for (String raw : spec.split("\\+", -1)) {
      String p = raw.trim();
      String lower = p.toLowerCase(Locale.ROOT);
      if (lower.startsWith("header:")) {
        String h = p.substring("header:".length()).trim();
        if (h.isEmpty()) {
          throw new IllegalArgumentException("'" + spec + "': header: needs a header name,"
              + " e.g. header:X-Tenant");
        }
        parts.add(new Part(Kind.HEADER, h));
        continue;
      }
      switch (lower) {
        case "ip":
          parts.add(new Part(Kind.IP, ""));
          break;
        case "user":
          parts.add(new Part(Kind.USER, ""));
          break;
        case "api-key":
        case "api_key":
        case "apikey":
          parts.add(new Part(Kind.API_KEY, checkHeader(apiKeyHeader)));
          break;
        case "path":
          parts.add(new Part(Kind.PATH, ""));
          break;
        case "method":
          parts.add(new Part(Kind.METHOD, ""));
          break;
        default:
          throw new IllegalArgumentException("unknown key part '" + p + "' in '" + spec
              + "'; use ip, user, api-key, header:<Name>, path or method, joined by +");
      }
    }
    return new KeyResolver(parts);
  }

  private static String checkHeader(String name) {
    if (name.isBlank()) {
      throw new IllegalArgumentException("header name must not be blank");
    }
    return name.trim();
  }

  /** The key, or empty when the request lacks a part. */
  public Optional<String> resolve(RequestContext request) {
    StringBuilder key = new StringBuilder();
    for (Part p : parts) {
      Optional<String> v = p.read(request);
      if (v.isEmpty()) {
        return Optional.empty();
      }
      append(key, p.name(), v.get());
    }
    return Optional.of(key.toString());
  }

  /**
   * The key with every identity part the request lacks replaced by the client address ({@code
   * unknown} if even that is missing).
   */
  public String resolveWithIpFallback(RequestContext request) {
    StringBuilder key = new StringBuilder();
    for (Part p : parts) {
      Optional<String> v = p.read(request);
      if (v.isPresent()) {
        append(key, p.name(), v.get());
      } else {
        append(key, Kind.IP.label, request.clientAddress().orElse("unknown"));
      }
    }
    return key.toString();
  }

  /** Whether a part reads the basic-auth user (a 401 then asks for Basic credentials). */
  public boolean usesUser() {
    return parts.stream().anyMatch(p -> p.kind() == Kind.USER);
  }

  private static void append(StringBuilder key, String name, String value) {
    if (key.length() > 0) {
      key.append('|');
    }
    key.append(name).append('=');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == '|' || c == '=') {
        key.append('\\');
      }
      key.append(c);
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Part p : parts) {
      s.append(s.length() == 0 ? "" : "+").append(p.kind() == Kind.HEADER
          ? "header:" + p.header() : p.kind().label);
    }
    return s.toString();
  }
}
