package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The admin token's check and fingerprint, and the audit list's bound. */
class AdminTokenTest {

  private static final String TOKEN = "0123456789abcdef-token";

  @Test
  void acceptsOnlyBearerAndTheExactToken() {
    AdminToken t = AdminToken.of(TOKEN, "test");
    assertThat(t.configured()).isTrue();
    assertThat(t.accepts("Bearer " + TOKEN)).isTrue();
    assertThat(t.accepts("BEARER  " + TOKEN + " ")).isTrue();
    assertThat(t.accepts(null)).isFalse();
    assertThat(t.accepts(TOKEN)).isFalse();
    assertThat(t.accepts("Token " + TOKEN)).isFalse();
    assertThat(t.accepts("Bearer " + TOKEN.toUpperCase(java.util.Locale.ROOT))).isFalse();
    assertThat(t.accepts("Bearer " + TOKEN + TOKEN)).isFalse();
    assertThat(t.fingerprint()).matches("sha256:[0-9a-f]{8}").doesNotContain(TOKEN);
    assertThat(AdminToken.of(TOKEN, "again").fingerprint()).isEqualTo(t.fingerprint());
    assertThat(AdminToken.of(TOKEN + "x", "other").fingerprint()).isNotEqualTo(t.fingerprint());
  }

  @Test
  void noTokenAcceptsNothing() {
    AdminToken none = AdminToken.none();
    assertThat(none.configured()).isFalse();
    assertThat(none.accepts("Bearer " + TOKEN)).isFalse();
    assertThat(none.fingerprint()).isEqualTo("-");
  }

  @Test
  void theAuditListKeepsTheLatestEntriesOnly() {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    Clock clock = Clock.offset(Clock.fixed(start, ZoneOffset.UTC), Duration.ZERO);
    AuditLog audit = new AuditLog(clock);
    for (int i = 0; i < AuditLog.CAPACITY + 5; i++) {
      audit.record("127.0.0.1:" + i, "sha256:00000000", "POST /v1/reload", 200, "reloaded " + i);
    }
    audit.refused("127.0.0.1:1", "POST /v1/reload", 401, "missing or wrong token");
    assertThat(audit.entries()).hasSize(AuditLog.CAPACITY);
    assertThat(audit.entries().get(0).result()).isEqualTo("reloaded 5");
    assertThat(audit.entries().get(AuditLog.CAPACITY - 1).result())
        .isEqualTo("reloaded " + (AuditLog.CAPACITY + 4));
    assertThat(audit.entries().get(0).at()).isEqualTo(start);
  }
}
