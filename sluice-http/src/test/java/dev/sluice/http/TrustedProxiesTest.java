package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private final TrustedProxies proxies = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7, fd00::/8");

  private String client(String peer, List<String> forwarded, List<String> xff) {
    return proxies.clientAddress(peer, forwarded, xff);
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItSends() {
    assertThat(client("203.0.113.9", List.of("for=1.2.3.4"), List.of("1.2.3.4")))
        .isEqualTo("203.0.113.9");
    assertThat(TrustedProxies.none().clientAddress("10.0.0.1", List.of(), List.of("1.2.3.4")))
        .isEqualTo("10.0.0.1");
  }

  @Test
  void theFirstUntrustedHopFromTheRightIsTheClient() {
    assertThat(client("10.0.0.1", List.of(), List.of("6.6.6.6, 198.51.100.1", "192.168.1.7")))
        .isEqualTo("198.51.100.1");
    assertThat(client("10.0.0.1", List.of(), List.of())).isEqualTo("10.0.0.1");
    assertThat(client("10.0.0.1", List.of(), List.of("10.0.0.2, 10.0.0.3"))).isEqualTo("10.0.0.2");
    assertThat(client("10.0.0.1", List.of(), List.of("198.51.100.1:5555")))
        .isEqualTo("198.51.100.1");
  }

  @Test
  void aHopThatIsNoAddressStopsAtTheLastTrustedProxy() {
    assertThat(client("10.0.0.1", List.of(), List.of("1.2.3.4, unknown, 10.0.0.5")))
        .isEqualTo("10.0.0.5");
    assertThat(client("10.0.0.1", List.of(), List.of("evil.example.com"))).isEqualTo("10.0.0.1");
    assertThat(client("10.0.0.1", List.of(), List.of("999.1.1.1"))).isEqualTo("10.0.0.1");
  }

  @Test
  void strictlyAHopTheWalkReachesMustBeAnAddress() {
    // as the lenient walk where every hop it reads is an address
    assertThat(proxies.clientAddressStrict("10.0.0.1", List.of("6.6.6.6, 198.51.100.1",
        "192.168.1.7"))).isEqualTo("198.51.100.1");
    assertThat(proxies.clientAddressStrict("10.0.0.1", List.of("10.0.0.2, 10.0.0.3")))
        .isEqualTo("10.0.0.2");
    assertThat(proxies.clientAddressStrict("10.0.0.1", List.of())).isEqualTo("10.0.0.1");
    // what a client wrote left of the first untrusted hop is never read
    assertThat(proxies.clientAddressStrict("10.0.0.1", List.of("unknown, , 198.51.100.1")))
        .isEqualTo("198.51.100.1");
    // an untrusted peer's header is not read at all
    assertThat(proxies.clientAddressStrict("203.0.113.9", List.of("garbage")))
        .isEqualTo("203.0.113.9");
    // a hop written by a trusted proxy that is no address is an error naming it and its writer
    assertThatThrownBy(() -> proxies.clientAddressStrict("10.0.0.1",
        List.of("1.2.3.4, unknown, 10.0.0.5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("X-Forwarded-For hop 'unknown' is not an IP address (written by trusted"
            + " proxy 10.0.0.5)");
    assertThatThrownBy(() -> proxies.clientAddressStrict("10.0.0.1", List.of("")))
        .hasMessage("X-Forwarded-For hop '' is not an IP address (written by trusted proxy"
            + " 10.0.0.1)");
    assertThatThrownBy(() -> proxies.clientAddressStrict("10.0.0.1", List.of("x".repeat(100))))
        .hasMessageContaining("'" + "x".repeat(64) + "...'");
    // no trusted proxy at all: the peer
    assertThat(TrustedProxies.none().clientAddressStrict("10.0.0.1", List.of("1.2.3.4")))
        .isEqualTo("10.0.0.1");
  }

  @Test
  void forwardedWinsOverXForwardedForAndMayQuoteIpv6() {
    assertThat(client("fd00::1", List.of("for=198.51.100.2;proto=https, for=\"[fd12::7]:80\""),
        List.of("6.6.6.6"))).isEqualTo("198.51.100.2");
    assertThat(client("10.0.0.1", List.of("For=\"[2001:db8:cafe::17]:4711\""), List.of()))
        .isEqualTo("2001:db8:cafe::17");
    assertThat(client("10.0.0.1", List.of("for=_hidden"), List.of())).isEqualTo("10.0.0.1");
  }

  @Test
  void ipv6IsWrittenShort() throws Exception {
    assertThat(TrustedProxies.text(InetAddress.getByName("::1"))).isEqualTo("::1");
    assertThat(TrustedProxies.text(InetAddress.getByName("::"))).isEqualTo("::");
    assertThat(TrustedProxies.text(InetAddress.getByName("1:0:0:2:0:0:0:3")))
        .isEqualTo("1:0:0:2::3");
    assertThat(TrustedProxies.text(InetAddress.getByName("1:0:2:3:4:5:6:7")))
        .isEqualTo("1:0:2:3:4:5:6:7");
    assertThat(TrustedProxies.text(InetAddress.getByName("fe80:0:0:0:0:0:0:0")))
        .isEqualTo("fe80::");
  }

  @Test
  void badRangesAreNamed() {
    assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/8, 300.0.0.1"))
        .hasMessageStartingWith("'300.0.0.1' is not an IP address or CIDR range");
    assertThatThrownBy(() -> TrustedProxies.parse("fd00::/129"))
        .hasMessage("'fd00::/129': prefix length must be 0..128");
    assertThat(proxies.isTrusted("10.255.255.255")).isTrue();
    assertThat(proxies.isTrusted("11.0.0.0")).isFalse();
    assertThat(proxies.isTrusted("::ffff:10.0.0.1")).isTrue();
  }
}
