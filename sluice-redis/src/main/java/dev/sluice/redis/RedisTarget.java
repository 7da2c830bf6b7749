package dev.sluice.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where Redis is, parsed from a URI:
 *
 * <pre>
 *   redis://[[user:]password@]host[:port][/database]              one server
 *   rediss://...                                                  the same over TLS
 *   redis-sentinel://[[user:]password@]host[:port],...[/database]#master   Sentinel (also rediss-)
 *   redis-cluster://[[user:]password@]host[:port],...             Cluster seeds (also rediss-)
 * </pre>
 *
 * Query parameters: {@code sentinelMasterId} (instead of the fragment) and, for TLS, {@code
 * verifyPeer=full|ca|none}. A malformed URI is an {@link IllegalArgumentException} that names the
 * part that is wrong (the password is never echoed).
 */
final class RedisTarget {

  enum Kind {
    STANDALONE, SENTINEL, CLUSTER
  }

  final Kind kind;
  /** One URI for standalone and Sentinel; one per seed for Cluster. */
  final List<RedisURI> uris;
  /** The URI as given, with any password masked, for messages. */
  final String display;

  private RedisTarget(Kind kind, List<RedisURI> uris, String display) {
    this.kind = kind;
    this.uris = uris;
    this.display = display;
  }

  static RedisTarget parse(String uri, Duration commandTimeout) {
    String display = mask(uri);
    String rest = uri.trim();
    int sep = rest.indexOf("://");
    if (sep <= 0) {
      throw bad(display, "missing scheme; expected e.g. redis://localhost:6379");
    }
    String scheme = rest.substring(0, sep);
    rest = rest.substring(sep + 3);
    Kind kind;
    boolean tls;
    switch (scheme.toLowerCase(java.util.Locale.ROOT)) {
      case "redis" -> { kind = Kind.STANDALONE; tls = false; }
      case "rediss" -> { kind = Kind.STANDALONE; tls = true; }
      case "redis-sentinel" -> { kind = Kind.SENTINEL; tls = false; }
      case "rediss-sentinel" -> { kind = Kind.SENTINEL; tls = true; }
      case "redis-cluster" -> { kind = Kind.CLUSTER; tls = false; }
      case "rediss-cluster" -> { kind = Kind.CLUSTER; tls = true; }
      default -> throw bad(display, "unknown scheme '" + scheme + "'; expected redis, rediss,"
          + " redis-sentinel, rediss-sentinel, redis-cluster or rediss-cluster");
    }

    String fragment = null;
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      fragment = rest.substring(hash + 1);
      rest = rest.substring(0, hash);
    }
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String path = null;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      path = rest.substring(slash + 1);
      rest = rest.substring(0, slash);
    }
    String user = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String info = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = info.indexOf(':');
      if (colon >= 0) {
        user = colon > 0 ? decode(info.substring(0, colon)) : null;
        password = decode(info.substring(colon + 1));
      } else {
        password = decode(info);
      }
    }

    List<String[]> hosts = new ArrayList<>();
    if (rest.isEmpty()) {
      throw bad(display, "no host; expected e.g. " + scheme + "://localhost:6379");
    }
    for (String hp : rest.split(",", -1)) {
      hosts.add(hostPort(display, hp));
    }
    if (kind == Kind.STANDALONE && hosts.size() > 1) {
      throw bad(display, scheme + ":// takes one host, got " + hosts.size()
          + "; use redis-cluster:// or redis-sentinel:// for several");
    }

    int database = 0;
    if (path != null && !path.isEmpty()) {
      if (kind == Kind.CLUSTER) {
        throw bad(display, "database '" + path + "': Redis Cluster has only database 0");
      }
      try {
        database = Integer.parseInt(path);
      } catch (NumberFormatException e) {
        database = -1;
      }
      if (database < 0) {
        throw bad(display, "database '" + path + "' must be a non-negative integer");
      }
    }

    String masterId = fragment == null || fragment.isEmpty() ? null : decode(fragment);
    SslVerifyMode verify = SslVerifyMode.FULL;
    if (query != null && !query.isEmpty()) {
      for (String param : query.split("&")) {
        int eq = param.indexOf('=');
        String name = eq < 0 ? param : param.substring(0, eq);
        String value = eq < 0 ? "" : decode(param.substring(eq + 1));
        switch (name) {
          case "sentinelMasterId" -> {
            if (kind != Kind.SENTINEL) {
              throw bad(display, "parameter 'sentinelMasterId' applies only to redis-sentinel://");
            }
            masterId = value;
          }
          case "verifyPeer" -> {
            if (!tls) {
              throw bad(display, "parameter 'verifyPeer' applies only to TLS (rediss...) URIs");
            }
            verify = switch (value.toLowerCase(java.util.Locale.ROOT)) {
              case "full", "true" -> SslVerifyMode.FULL;
              case "ca" -> SslVerifyMode.CA;
              case "none", "false" -> SslVerifyMode.NONE;
              default -> throw bad(display, "parameter verifyPeer='" + value
                  + "' must be full, ca or none");
            };
          }
          default -> throw bad(display, "unknown parameter '" + name
              + "'; known: sentinelMasterId, verifyPeer");
        }
      }
    }
    if (kind == Kind.SENTINEL && (masterId == null || masterId.isEmpty())) {
      throw bad(display, "Sentinel master name missing: end the URI with #<master>, e.g. "
          + scheme + "://host:26379#mymaster");
    }
    if (kind != Kind.SENTINEL && masterId != null) {
      throw bad(display, "fragment '#" + masterId + "' (a Sentinel master name) applies only to"
          + " redis-sentinel://");
    }

    List<RedisURI> uris = new ArrayList<>();
    if (kind == Kind.SENTINEL) {
      RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(masterId);
      for (String[] h : hosts) {
        b.withSentinel(h[0], port(h, 26379));
      }
      uris.add(finish(b, tls, verify, user, password, database, commandTimeout));
    } else {
      for (String[] h : hosts) {
        RedisURI.Builder b = RedisURI.builder().withHost(h[0]).withPort(port(h, 6379));
        uris.add(finish(b, tls, verify, user, password, database, commandTimeout));
      }
    }
    return new RedisTarget(kind, List.copyOf(uris), display);
  }

  private static RedisURI finish(RedisURI.Builder b, boolean tls, SslVerifyMode verify,
      @Nullable String user, @Nullable String password, int database, Duration timeout) {
    b.withSsl(tls).withDatabase(database).withTimeout(timeout);
    if (tls) {
      b.withVerifyPeer(verify);
    }
    if (password != null) {
      if (user != null) {
        b.withAuthentication(user, password);
      } else {
        b.withPassword(password.toCharArray());
      }
    }
    return b.build();
  }

  private static int port(String[] hostPort, int defaultPort) {
    return hostPort[1] == null ? defaultPort : Integer.parseInt(hostPort[1]);
  }

  /** {host, port or null}; accepts [ipv6]:port. */
  private static String[] hostPort(String display, String hp) {
    String host;
    String port = null;
    if (hp.startsWith("[")) {
      int close = hp.indexOf(']');
      if (close < 0) {
        throw bad(display, "host '" + hp + "' has an unclosed '['");
      }
      host = hp.substring(1, close);
      String after = hp.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw bad(display, "unexpected '" + after + "' after host [" + host + "]");
        }
        port = after.substring(1);
      }
    } else {
      int colon = hp.lastIndexOf(':');
      host = colon >= 0 ? hp.substring(0, colon) : hp;
      port = colon >= 0 ? hp.substring(colon + 1) : null;
    }
    if (host.isEmpty()) {
      throw bad(display, "empty host in '" + hp + "'");
    }
    for (int i = 0; i < host.length(); i++) {
      char ch = host.charAt(i);
      if (!(Character.isLetterOrDigit(ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':')) {
        throw bad(display, "host '" + host + "' contains '" + ch + "'");
      }
    }
    if (port != null) {
      int p;
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 1 || p > 65_535) {
        throw bad(display, "port '" + port + "' of host '" + host + "' must be 1..65535");
      }
    }
    return new String[] {host, port};
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException bad(String display, String what) {
    return new IllegalArgumentException("invalid Redis URI \"" + display + "\": " + what);
  }

  /** The URI with the password (between ':' of the user info and '@') masked. */
  static String mask(String uri) {
    int sep = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (sep < 0 || at < sep) {
      return uri;
    }
    String info = uri.substring(sep + 3, at);
    int colon = info.indexOf(':');
    String masked = colon >= 0 ? info.substring(0, colon + 1) + "***" : "***";
    return uri.substring(0, sep + 3) + masked + uri.substring(at);
  }

  @Override
  public String toString() {
    return display;
  }
}
