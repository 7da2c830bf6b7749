package dev.sluice.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Works out the client's address from the direct peer and the {@code Forwarded} (RFC 7239) or
 * {@code X-Forwarded-For} headers, believing those headers only as far as they were written by
 * proxies listed here.
 *
 * <p>The chain is the header's hops followed by the direct peer. Walking it from the right, every
 * hop that is a trusted proxy is skipped; the first one that is not is the client. So a client
 * cannot choose its address by sending its own {@code X-Forwarded-For}: if the direct peer is not
 * trusted, the headers are not read at all, and behind a trusted proxy only the hop the proxy
 * appended counts. A hop that is not an IP address ({@code unknown}, an obfuscated {@code _id},
 * garbage) ends the walk at the last trusted proxy, which is then reported as the client. When
 * every hop is trusted the leftmost one is the client. {@code Forwarded} is used when present,
 * else {@code X-Forwarded-For}. Addresses are returned in canonical text form.
 *
 * <p>Immutable; parsing never resolves host names.
 */
public final class TrustedProxies {

  private static final TrustedProxies NONE = new TrustedProxies(AddressRanges.none());

  private final AddressRanges ranges;

  private TrustedProxies(AddressRanges ranges) {
    this.ranges = ranges;
  }

  /** No trusted proxy: the direct peer is always the client. */
  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Proxies given as addresses or CIDR ranges: {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code
   * fd00::/8}.
   *
   * @throws IllegalArgumentException naming the entry that is not an address or range
   */
  public static TrustedProxies of(List<String> cidrs) {
    return new TrustedProxies(AddressRanges.of(cidrs));
  }

  /**
   * Parses a comma- or whitespace-separated list, as {@link #of(List)}; blank means none.
   *
   * @throws IllegalArgumentException naming the entry that is wrong
   */
  public static TrustedProxies parse(String text) {
    return new TrustedProxies(AddressRanges.parse(text));
  }

  /** Whether {@code address} (an IP literal) is a trusted proxy. */
  public boolean isTrusted(String address) {
    InetAddress a = parseAddress(address);
    return a != null && trusted(a);
  }

  private boolean trusted(InetAddress a) {
    return ranges.contains(a);
  }

  /**
   * The client's address.
   *
   * @param peer the direct peer's address (for a servlet, {@code ServletRequest.getRemoteAddr()})
   * @param forwarded every {@code Forwarded} header value, in order
   * @param xForwardedFor every {@code X-Forwarded-For} header value, in order
   */
  public String clientAddress(String peer, List<String> forwarded, List<String> xForwardedFor) {
    InetAddress current = parseAddress(peer);
    if (current == null) {
      return peer;
    }
    if (ranges.isEmpty() || !trusted(current)) {
      return text(current);
    }
    List<String> hops = forwarded.isEmpty() ? splitXff(xForwardedFor) : forwardedFor(forwarded);
    return walk(current, hops, false);
  }

  /**
   * The client's address from the direct peer and {@code X-Forwarded-For} alone, for a peer that
   * must send well-formed hops (a gateway asking on behalf of its client): as {@link
   * #clientAddress(String, List, List)} without {@code Forwarded}, except that a hop the walk
   * reaches that is not an IP address (empty, {@code unknown}, a host name) is an error rather
   * than the end of the walk. Hops left of the first untrusted one are never read, so what a
   * client wrote there cannot make its request fail.
   *
   * @param peer the direct peer's address
   * @param xForwardedFor every {@code X-Forwarded-For} header value, in order
   * @throws IllegalArgumentException naming the hop that is not an IP address
   */
  public String clientAddressStrict(String peer, List<String> xForwardedFor) {
    InetAddress current = parseAddress(peer);
    if (current == null) {
      return peer;
    }
    if (ranges.isEmpty() || !trusted(current)) {
      return text(current);
    }
    return walk(current, splitXff(xForwardedFor), true);
  }

  /** Walks {@code hops} from the right, starting after the trusted {@code current}. */
  private String walk(InetAddress current, List<String> hops, boolean strict) {
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = parseAddress(hops.get(i));
      if (hop == null) {
        if (strict) {
          String h = hops.get(i);
          throw new IllegalArgumentException("X-Forwarded-For hop '"
              + (h.length() > 64 ? h.substring(0, 64) + "..." : h)
              + "' is not an IP address (written by trusted proxy " + text(current) + ")");
        }
        return text(current);
      }
      current = hop;
      if (!trusted(hop)) {
        break;
      }
    }
    return text(current);
  }

  /** An address as text; IPv6 in RFC 5952's short form ({@code 2001:db8::1}). */
  static String text(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return a.getHostAddress();
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;  // a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  private static List<String> splitXff(List<String> values) {
    List<String> hops = new ArrayList<>();
    for (String v : values) {
      for (String h : v.split(",", -1)) {
        hops.add(h.trim());
      }
    }
    return hops;
  }

  /** The {@code for=} of each RFC 7239 element; an element without one is a bad hop. */
  private static List<String> forwardedFor(List<String> values) {
    List<String> hops = new ArrayList<>();
    for (String v : values) {
      for (String element : v.split(",", -1)) {
        String hop = "";
        for (String pair : element.split(";")) {
          int eq = pair.indexOf('=');
          if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase("for")) {
            hop = pair.substring(eq + 1).trim();
            if (hop.length() >= 2 && hop.startsWith("\"") && hop.endsWith("\"")) {
              hop = hop.substring(1, hop.length() - 1);
            }
          }
        }
        hops.add(hop);
      }
    }
    return hops;
  }

  /**
   * An IP literal, optionally with a port ({@code 1.2.3.4:80}, {@code [::1]:80}); null for anything
   * else. Only literals reach {@link InetAddress#getByName}, so no name is ever resolved.
   */
  static @Nullable InetAddress parseAddress(String text) {
    String t = text.trim();
    if (t.startsWith("[")) {
      int end = t.indexOf(']');
      if (end < 0) {
        return null;
      }
      t = t.substring(1, end);
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':') && t.indexOf('.') > 0) {
      t = t.substring(0, t.indexOf(':'));  // IPv4 with a port
    }
    if (t.isEmpty()) {
      return null;
    }
    if (t.indexOf(':') < 0) {
      return parseIpv4(t);
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
        return null;  // zone ids and anything else are refused
      }
    }
    try {
      return InetAddress.getByName(t);  // contains ':': parsed as an IPv6 literal or refused
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static @Nullable InetAddress parseIpv4(String t) {
    String[] parts = t.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      b[i] = (byte) v;
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "TrustedProxies" + ranges.entries();
  }
}
