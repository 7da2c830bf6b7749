package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Address ranges, shared by trusted proxies and address exemptions. */
class AddressRangesTest {

  @Test
  void addressesAndRangesOfBothFamilies() {
    AddressRanges r = AddressRanges.parse("10.0.0.0/8, 192.168.1.7 fd00::/8");
    assertThat(r.entries()).containsExactly("10.0.0.0/8", "192.168.1.7", "fd00::/8");
    assertThat(r.contains("10.200.3.4")).isTrue();
    assertThat(r.contains("10.200.3.4:8080")).isTrue();
    assertThat(r.contains("11.0.0.1")).isFalse();
    assertThat(r.contains("192.168.1.7")).isTrue();
    assertThat(r.contains("192.168.1.8")).isFalse();
    assertThat(r.contains("fd12::1")).isTrue();
    assertThat(r.contains("fe80::1")).isFalse();
    assertThat(r.contains("not-an-address")).isFalse();
    assertThat(AddressRanges.of(List.of("172.16.0.0/12")).contains("172.31.255.255")).isTrue();
    assertThat(AddressRanges.of(List.of("172.16.0.0/12")).contains("172.32.0.0")).isFalse();
    assertThat(AddressRanges.parse(" ").isEmpty()).isTrue();
    assertThat(AddressRanges.none().contains("127.0.0.1")).isFalse();
  }

  @Test
  void aWrongEntryIsNamed() {
    assertThatThrownBy(() -> AddressRanges.parse("10.0.0.0/8, gateway.internal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'gateway.internal' is not an IP address or CIDR range");
    assertThatThrownBy(() -> AddressRanges.parse("10.0.0.0/33"))
        .hasMessage("'10.0.0.0/33': prefix length must be 0..32");
  }
}
