package dev.sluice.http;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A set of IP addresses and CIDR ranges ({@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code
 * fd00::/8}), for {@link TrustedProxies} and for exempting clients by address. An IPv4 range never
 * contains an IPv6 address nor the reverse. Immutable; parsing never resolves host names.
 */
public final class AddressRanges {

  private static final AddressRanges NONE = new AddressRanges(List.of());

  private final List<Cidr> ranges;

  private AddressRanges(List<Cidr> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /** No address at all. */
  public static AddressRanges none() {
    return NONE;
  }

  /**
   * The given addresses and ranges.
   *
   * @throws IllegalArgumentException naming the entry that is not an address or range
   */
  public static AddressRanges of(List<String> cidrs) {
    List<Cidr> ranges = new ArrayList<>();
    for (String c : cidrs) {
      ranges.add(Cidr.parse(c));
    }
    return ranges.isEmpty() ? NONE : new AddressRanges(ranges);
  }

  /**
   * Parses a comma- or whitespace-separated list, as {@link #of(List)}; blank means none.
   *
   * @throws IllegalArgumentException naming the entry that is wrong
   */
  public static AddressRanges parse(String text) {
    List<String> parts = new ArrayList<>();
    for (String p : text.split("[,\\s]+")) {
      if (!p.isEmpty()) {
        parts.add(p);
      }
    }
    return of(parts);
  }

  /** Whether {@code address} (an IP literal, optionally with a port) is in one of the ranges. */
  public boolean contains(String address) {
    InetAddress a = TrustedProxies.parseAddress(address);
    return a != null && contains(a);
  }

  boolean contains(InetAddress a) {
    for (Cidr c : ranges) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** Whether there is no range. */
  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The ranges as given (trimmed, lower-case). */
  public List<String> entries() {
    return ranges.stream().map(Cidr::toString).toList();
  }

  @Override
  public String toString() {
    return "AddressRanges" + entries();
  }

  /** One address range. */
  private static final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
      this.network = network;
      this.prefix = prefix;
      this.text = text;
    }

    static Cidr parse(String text) {
      String t = text.trim();
      int slash = t.indexOf('/');
      InetAddress a = TrustedProxies.parseAddress(slash < 0 ? t : t.substring(0, slash));
      if (a == null || t.startsWith("[") || (slash < 0 && t.indexOf(':') >= 0
          && t.indexOf('.') > 0 && t.indexOf(':') == t.lastIndexOf(':'))) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range"
            + " (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)");
      }
      byte[] bytes = a.getAddress();
      int max = bytes.length * 8;
      int prefix = max;
      if (slash >= 0) {
        String p = t.substring(slash + 1);
        if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
            || Integer.parseInt(p) > max) {
          throw new IllegalArgumentException("'" + text + "': prefix length must be 0.." + max);
        }
        prefix = Integer.parseInt(p);
      }
      return new Cidr(bytes, prefix, t.toLowerCase(Locale.ROOT));
    }

    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (b[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
