package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns a request into the key its permits are counted under, made of named parts: {@code
 * ip=10.0.0.1}, {@code user=alice|path=/pizza}. Parts are escaped ({@code \}, {@code |} and
 * {@code =} by {@code \}), so different requests never share a key by accident.
 *
 * <p>A part that the request lacks (no basic-auth user, no authenticated principal, no API key, no
 * such header or attribute) makes the whole key missing; the front end then falls back to the
 * client address ({@link #resolveWithIpFallback}) or answers 401, as its {@link OnMissingKey}
 * says. A framework adds parts of its own by name ({@link #parse(String, String, Map)}, {@link
 * KeyPart}). Immutable and thread-safe.
 */
public final class KeyResolver {

  /** What a part reads from the request. */
  enum Kind {
    IP("ip"), USER("user"), PRINCIPAL("principal"), API_KEY("api-key"), HEADER("header"),
    ATTRIBUTE("attribute"), PATH("path"), METHOD("method"), CUSTOM("");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /**
   * One part of a key: what it reads, its argument (a header or attribute name), and, for a
   * framework's part, its name as written and its reader.
   */
  record Part(Kind kind, String arg, String spec, KeyPart reader) {
    Optional<String> read(RequestContext r) {
      return reader.read(r).filter(v -> !v.isBlank());
    }

    /** The name in the key. */
    String name() {
      return kind == Kind.HEADER ? "header:" + arg.toLowerCase(Locale.ROOT) : spec;
    }
  }

  private static Part part(Kind kind, String arg) {
    switch (kind) {
      case IP:
        return new Part(kind, "", kind.label, RequestContext::clientAddress);
      case USER:
        return new Part(kind, "", kind.label, RequestContext::basicAuthUser);
      case PRINCIPAL:
        return new Part(kind, "", kind.label, RequestContext::principalName);
      case API_KEY:
        return new Part(kind, arg, kind.label, r -> r.header(arg).map(String::trim));
      case HEADER:
        return new Part(kind, arg, "header:" + arg, r -> r.header(arg).map(String::trim));
      case ATTRIBUTE:
        return new Part(kind, arg, "attribute:" + arg,
            r -> r.attribute(arg).map(String::valueOf));
      case PATH:
        return new Part(kind, "", kind.label, r -> Optional.of(r.path()));
      case METHOD:
        return new Part(kind, "", kind.label, r -> Optional.of(r.method()));
      default:
        throw new AssertionError(kind);
    }
  }

  private final List<Part> parts;

  private KeyResolver(List<Part> parts) {
    this.parts = List.copyOf(parts);
  }

  /** By client address (see {@link TrustedProxies}). */
  public static KeyResolver ip() {
    return new KeyResolver(List.of(part(Kind.IP, "")));
  }

  /** By the user of {@code Authorization: Basic}. */
  public static KeyResolver user() {
    return new KeyResolver(List.of(part(Kind.USER, "")));
  }

  /**
   * By the name of the authenticated principal ({@link RequestContext#principal()}), as the
   * framework's security established it; missing for anonymous requests.
   */
  public static KeyResolver principal() {
    return new KeyResolver(List.of(part(Kind.PRINCIPAL, "")));
  }

  /** By the value of the API key header, e.g. {@code X-API-Key}. */
  public static KeyResolver apiKey(String header) {
    return new KeyResolver(List.of(part(Kind.API_KEY, checkName(header, "header"))));
  }

  /** By the value of any header. */
  public static KeyResolver header(String name) {
    return new KeyResolver(List.of(part(Kind.HEADER, checkName(name, "header"))));
  }

  /** By a request attribute ({@link RequestContext#attribute}), as text. */
  public static KeyResolver attribute(String name) {
    return new KeyResolver(List.of(part(Kind.ATTRIBUTE, checkName(name, "attribute"))));
  }

  /** By the path (without query), e.g. to give each route its own counter. */
  public static KeyResolver path() {
    return new KeyResolver(List.of(part(Kind.PATH, "")));
  }

  /** By the HTTP method. */
  public static KeyResolver method() {
    return new KeyResolver(List.of(part(Kind.METHOD, "")));
  }

  /**
   * By a part of a framework's own, named {@code name} in the key ({@code name=value}) and in
   * {@link #toString()}.
   */
  public static KeyResolver of(String name, KeyPart part) {
    Objects.requireNonNull(part, "key part must not be null");
    String n = checkName(name, "key part");
    return new KeyResolver(List.of(new Part(Kind.CUSTOM, n, n, part)));
  }

  /** This key combined with {@code other}: a request is counted per distinct pair. */
  public KeyResolver and(KeyResolver other) {
    List<Part> all = new ArrayList<>(parts);
    all.addAll(other.parts);
    return new KeyResolver(all);
  }

  /**
   * Parses {@code ip}, {@code user}, {@code principal}, {@code api-key}, {@code header:<Name>},
   * {@code attribute:<Name>}, {@code path}, {@code method}, or several joined by {@code +} ({@code
   * user+path}).
   *
   * @param apiKeyHeader the header {@code api-key} reads
   * @throws IllegalArgumentException naming the part that is unknown
   */
  public static KeyResolver parse(String spec, String apiKeyHeader) {
    return parse(spec, apiKeyHeader, Map.of());
  }

  /**
   * {@link #parse(String, String)} with a framework's own parts: {@code extensions} maps a part's
   * name (any case, e.g. {@code jwt}) to what builds the part from its argument (what follows
   * {@code :} in {@code jwt:sub}, empty without one). A factory throws {@link
   * IllegalArgumentException} for an argument it cannot take; the message is reported with the
   * spec. The built-in names cannot be replaced.
   *
   * @throws IllegalArgumentException naming the part that is unknown or wrong
   */
  public static KeyResolver parse(String spec, String apiKeyHeader,
      Map<String, ? extends Function<String, KeyPart>> extensions) {
    Map<String, Function<String, KeyPart>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    extensions.forEach((name, factory) -> {
      if (isBuiltIn(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("key part '" + name + "' is built in");
      }
      byName.put(name, Objects.requireNonNull(factory, name));
    });
    List<Part> parts = new ArrayList<>();
    for (String raw : spec.split("\\+", -1)) {
      String p = raw.trim();
      int colon = p.indexOf(':');
      String name = (colon < 0 ? p : p.substring(0, colon)).trim();
      String lower = name.toLowerCase(Locale.ROOT);
      String arg = colon < 0 ? "" : p.substring(colon + 1).trim();
      if (colon >= 0 && (lower.equals("header") || lower.equals("attribute"))) {
        if (arg.isEmpty()) {
          throw new IllegalArgumentException("'" + spec + "': " + lower + ": needs a" + " "
              + lower + " name, e.g. " + lower + ":" + (lower.equals("header") ? "X-Tenant"
              : "tenant"));
        }
        parts.add(part(lower.equals("header") ? Kind.HEADER : Kind.ATTRIBUTE, arg));
        continue;
      }
      Function<String, KeyPart> extension = byName.get(name);
      if (extension != null) {
        KeyPart made;
        try {
          made = extension.apply(arg);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("'" + spec + "': " + lower + ": " + e.getMessage(),
              e);
        }
        String written = colon < 0 ? lower : lower + ":" + arg;
        parts.add(new Part(Kind.CUSTOM, arg, written, Objects.requireNonNull(made, written)));
        continue;
      }
      switch (colon < 0 ? lower : "") {
        case "ip":
          parts.add(part(Kind.IP, ""));
          break;
        case "user":
          parts.add(part(Kind.USER, ""));
          break;
        case "principal":
          parts.add(part(Kind.PRINCIPAL, ""));
          break;
        case "api-key":
        case "api_key":
        case "apikey":
          parts.add(part(Kind.API_KEY, checkName(apiKeyHeader, "header")));
          break;
        case "path":
          parts.add(part(Kind.PATH, ""));
          break;
        case "method":
          parts.add(part(Kind.METHOD, ""));
          break;
        default:
          StringBuilder known = new StringBuilder("ip, user, principal, api-key, header:<Name>,"
              + " attribute:<Name>, path");
          byName.keySet().forEach(n -> known.append(", ").append(n).append(":<...>"));
          throw new IllegalArgumentException("unknown key part '" + p + "' in '" + spec
              + "'; use " + known + " or method, joined by +");
      }
    }
    return new KeyResolver(parts);
  }

  private static boolean isBuiltIn(String name) {
    switch (name) {
      case "ip": case "user": case "principal": case "api-key": case "api_key": case "apikey":
      case "header": case "attribute": case "path": case "method":
        return true;
      default:
        return false;
    }
  }

  private static String checkName(String name, String what) {
    if (name.isBlank()) {
      throw new IllegalArgumentException(what + " name must not be blank");
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

  /** The parts as written: {@code user+header:X-Tenant}, {@code jwt:sub}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Part p : parts) {
      s.append(s.length() == 0 ? "" : "+").append(p.spec());
    }
    return s.toString();
  }
}
