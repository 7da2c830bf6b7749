package dev.sluice.server;

import com.linecorp.armeria.common.RequestHeaders;
import dev.sluice.http.RequestContext;
import dev.sluice.http.Routes;
import dev.sluice.http.TrustedProxies;
import dev.sluice.rules.Action;
import dev.sluice.rules.Actions;
import dev.sluice.rules.Route;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The original request a gateway asks about on {@code /v1/authorize}, read from the gateway's
 * request: {@code X-Forwarded-Method} and {@code X-Forwarded-Uri} (always needed: they choose the
 * route), {@code X-Forwarded-Host} (the original host, needed only by a route that reads {@code
 * host} or {@code :authority}), {@code X-Forwarded-For} (the client's address, believed only from
 * a trusted proxy and needed only by a route with {@code remote_address}), and every other header
 * as the gateway passed it on. Each value is checked where it is used: a missing or malformed one
 * that the request's route needs is a {@link EnvoyProtocol.BadRequestException} naming the header;
 * one it does not need is ignored.
 *
 * <p>The path of {@code X-Forwarded-Uri} is normalized as gateways route on it, so that a client
 * cannot step around a path's limit by spelling the path differently: percent-encoded unreserved
 * characters are decoded ({@code %2e} is {@code .}), other escapes upper-cased, repeated slashes
 * merged and {@code .} and {@code ..} segments removed (RFC 3986); the query is kept as sent.
 * Bytes above ASCII (a raw UTF-8 path) are percent-encoded in both. {@code Forwarded} (RFC 7239) is not read: gateways pass the
 * client's own copy through untouched. Thread-safe.
 */
final class ForwardedRequest {

  private static final Logger log = LoggerFactory.getLogger(ForwardedRequest.class);

  static final String METHOD = "X-Forwarded-Method";
  static final String URI = "X-Forwarded-Uri";
  static final String HOST = "X-Forwarded-Host";
  static final String FOR = "X-Forwarded-For";

  /** RFC 9110 {@code token}: a method. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
  /** RFC 3986 host (reg-name without commas, IPv4, or bracketed IPv6) with an optional port. */
  private static final Pattern HOST_PORT = Pattern.compile(
      "(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9\\-._~%!$&'()*+;=]+)(:[0-9]{1,5})?");

  private final TrustedProxies proxies;
  private final AtomicBoolean warnedUntrusted = new AtomicBoolean();

  ForwardedRequest(TrustedProxies proxies) {
    this.proxies = proxies;
  }

  /**
   * The original request of {@code headers}, received from {@code peer}, as the first route of
   * {@code domain} covering it needs it.
   *
   * @throws EnvoyProtocol.BadRequestException naming a header that is missing or malformed
   */
  RequestContext read(RequestHeaders headers, String peer, String domain, Routes routes) {
    List<String> missing = new ArrayList<>();
    String method = one(headers, METHOD, "the original request's method", missing);
    String uri = one(headers, URI, "the original request's path and query", missing);
    if (!missing.isEmpty()) {
      throw bad("missing " + String.join(", ", missing) + ": the gateway must send "
          + (missing.size() == 1 ? "it" : "them") + " with every request to /v1/authorize");
    }
    if (!TOKEN.matcher(method).matches()) {
      throw bad(METHOD + " " + quote(method) + " is not an HTTP method (a token such as GET)");
    }
    String target = target(uri);
    Optional<Route> route = routes.route(domain, RequestContext.builder(method, target).build());
    boolean needsHost = route.map(ForwardedRequest::readsHost).orElse(false);
    boolean needsAddress = route.map(ForwardedRequest::readsAddress).orElse(false);

    RequestContext.Builder b = RequestContext.builder(method, target);
    for (Map.Entry<AsciiString, String> h : headers) {
      String name = h.getKey().toString();
      // pseudo-headers and Host describe the gateway's request to Sluice, not the original
      if (!name.startsWith(":") && !name.equalsIgnoreCase("host")) {
        b.header(name, h.getValue());
      }
    }

    List<String> hosts = headers.getAll(HOST);
    if (needsHost) {
      if (hosts.isEmpty()) {
        throw bad("missing " + HOST + " (the original request's host): route "
            + describe(route.get()) + " reads the host");
      }
      b.header("host", host(hosts));
    } else if (hosts.size() == 1) {
      b.header("host", hosts.get(0));
    }

    List<String> xff = headers.getAll(FOR);
    if (proxies.isTrusted(peer)) {
      if (needsAddress) {
        if (xff.isEmpty()) {
          throw bad("missing " + FOR + " (the client's address) from trusted proxy " + peer
              + ": route " + describe(route.get()) + " reads the client address");
        }
        try {
          b.clientAddress(proxies.clientAddressStrict(peer, xff));
        } catch (IllegalArgumentException e) {
          throw bad(e.getMessage());
        }
      } else {
        b.clientAddress(proxies.clientAddress(peer, List.of(), xff));
      }
    } else {
      b.clientAddress(proxies.clientAddress(peer, List.of(), List.of()));
      if (needsAddress && !xff.isEmpty() && warnedUntrusted.compareAndSet(false, true)) {
        log.warn("/v1/authorize: X-Forwarded-For from {} ignored, it is not in trusted-proxies:"
            + " every request it asks about counts under its own address (this is logged once)",
            peer);
      }
    }
    return b.build();
  }

  /** The one value of header {@code name}; null (and {@code name} noted missing) when absent. */
  private static String one(RequestHeaders headers, String name, String what,
      List<String> missing) {
    List<String> values = headers.getAll(name);
    if (values.isEmpty()) {
      missing.add(name + " (" + what + ")");
      return "";
    }
    if (values.size() > 1) {
      throw bad(name + " was sent " + values.size() + " times; send it once");
    }
    return values.get(0);
  }

  /** The one host of {@code X-Forwarded-Host}, checked. */
  private static String host(List<String> values) {
    if (values.size() > 1 || values.get(0).indexOf(',') >= 0) {
      throw bad(HOST + " must be one host (got " + quote(String.join(", ", values)) + ")");
    }
    String v = values.get(0).trim();
    var m = HOST_PORT.matcher(v);
    if (!m.matches() || (m.group(2) != null && Integer.parseInt(m.group(2).substring(1)) > 65535)) {
      throw bad(HOST + " " + quote(v) + " is not a host name or address with an optional port");
    }
    return v;
  }

  /**
   * The request target of {@code X-Forwarded-Uri}: origin-form (path and optional query),
   * visible characters, well-formed escapes; the path normalized (see the class comment).
   */
  static String target(String uri) {
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      throw bad(URI + " must be the original path and query, starting with / (got "
          + quote(uri) + ")");
    }
    StringBuilder path = new StringBuilder(uri.length());
    StringBuilder query = null;
    StringBuilder out = path;
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        throw bad(URI + " has a space or control character at index " + i + ": percent-encode"
            + " it");
      }
      if (c > 0xff) {
        throw bad(URI + " has the character U+" + String.format("%04X", (int) c) + " at index "
            + i + ": percent-encode it");
      }
      if (c == '#') {
        throw bad(URI + " has a fragment (#) at index " + i + ": gateways send path and query"
            + " only");
      }
      if (c >= 0x80) {
        // a raw byte of a UTF-8 path: written as a browser would
        out.append('%').append(hex(c >> 4)).append(hex(c & 0xf));
      } else if (c == '%') {
        if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
            || Character.digit(uri.charAt(i + 2), 16) < 0) {
          throw bad(URI + " has a malformed percent-escape at index " + i + " (expected %"
              + " and two hex digits)");
        }
        int v = Character.digit(uri.charAt(i + 1), 16) << 4 | Character.digit(uri.charAt(i + 2), 16);
        if (out != path) {
          out.append(uri, i, i + 3);  // the query as sent
        } else if (unreserved(v)) {
          out.append((char) v);
        } else {
          out.append('%').append(hex(v >> 4)).append(hex(v & 0xf));
        }
        i += 2;
      } else if (c == '?' && query == null) {
        query = new StringBuilder(uri.length() - i);
        out = query;
        out.append(c);
      } else {
        out.append(c);
      }
    }
    String normalized = removeDotSegments(path.toString().replaceAll("/{2,}", "/"));
    return query == null ? normalized : normalized + query;
  }

  /** RFC 3986 5.2.4 on an absolute path without repeated slashes. */
  private static String removeDotSegments(String path) {
    String[] parts = path.substring(1).split("/", -1);
    List<String> out = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      boolean last = i == parts.length - 1;
      if (p.equals(".") || p.equals("..")) {
        if (p.equals("..") && !out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        if (last) {
          out.add("");
        }
      } else {
        out.add(p);
      }
    }
    return "/" + String.join("/", out);
  }

  private static boolean unreserved(int c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static char hex(int v) {
    return Character.toUpperCase(Character.forDigit(v, 16));
  }

  /** Whether any action of {@code route} reads the client's address. */
  static boolean readsAddress(Route route) {
    return actions(route).stream().anyMatch(a -> a instanceof Actions.RemoteAddress);
  }

  /** Whether any action of {@code route} reads the host ({@code host} or {@code :authority}). */
  static boolean readsHost(Route route) {
    for (Action a : actions(route)) {
      if (a instanceof Actions.RequestHeaders h && isHost(h.headerName())
          || a instanceof Actions.ApiKey k && isHost(k.headerName())
          || a instanceof Actions.HeaderValueMatch m
              && m.headers().stream().anyMatch(h -> isHost(h.name()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isHost(String header) {
    String h = header.toLowerCase(Locale.ROOT);
    return h.equals("host") || h.equals(":authority");
  }

  private static List<Action> actions(Route route) {
    List<Action> all = new ArrayList<>();
    route.descriptorActions().forEach(all::addAll);
    return all;
  }

  private static String describe(Route route) {
    return route.describe() + " (" + route.file() + ":" + route.line() + ")";
  }

  /** A header value in quotes for a message, cut at 100 characters. */
  private static String quote(String value) {
    return "'" + (value.length() > 100 ? value.substring(0, 100) + "..." : value) + "'";
  }

  private static EnvoyProtocol.BadRequestException bad(String message) {
    return new EnvoyProtocol.BadRequestException(message);
  }
}
