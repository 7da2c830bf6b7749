package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Limit;
import dev.sluice.http.RateLimitHeaders.Policy;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
  private final Policy perMinute = Policy.of(Limit.parse("2/minute"));
  private final Policy perHour = Policy.of(Limit.parse("10/hour").named("say \"hi\""));

  @Test
  void bothStylesOnADenial() {
    assertThat(RateLimitHeaders.of(HeaderStyle.BOTH, perMinute, 0, 12_300_000, true, 1_000_001,
        List.of(perMinute, perHour, perMinute)))
        .containsExactly(
            entry("X-RateLimit-Limit", "2"),
            entry("X-RateLimit-Remaining", "0"),
            entry("X-RateLimit-Reset", "13"),
            entry("RateLimit-Policy", "\"2/minute\";q=2;w=60, \"say \\\"hi\\\"\";q=10;w=3600"),
            entry("RateLimit", "\"2/minute\";r=0;t=13"),
            entry("Retry-After", "2"));
  }

  @Test
  void allowedResponsesCarryNoRetryAfterAndNoneCarriesNothing() {
    assertThat(RateLimitHeaders.of(HeaderStyle.X_RATELIMIT, perMinute, 1, 30_000_000, false, 0,
        List.of(perMinute))).doesNotContainKey("Retry-After").containsKey("X-RateLimit-Limit")
        .doesNotContainKey("RateLimit");
    assertThat(RateLimitHeaders.of(HeaderStyle.NONE, perMinute, 0, 1, true, 1,
        List.of(perMinute))).isEmpty();
  }

  @Test
  void aWaitThatNeverEndsSendsNoRetryAfter() {
    assertThat(RateLimitHeaders.of(HeaderStyle.IETF, perMinute, 0, 0, true, Long.MAX_VALUE,
        List.of(perMinute))).doesNotContainKey("Retry-After");
  }

  @Test
  void secondsRoundUpAndRetryIsAtLeastOne() {
    assertThat(RateLimitHeaders.ceilSeconds(0)).isZero();
    assertThat(RateLimitHeaders.ceilSeconds(1)).isEqualTo(1);
    assertThat(RateLimitHeaders.ceilSeconds(1_000_000)).isEqualTo(1);
    assertThat(RateLimitHeaders.ceilSeconds(1_000_001)).isEqualTo(2);
    assertThat(RateLimitHeaders.retryAfterSeconds(0)).isEqualTo(1);
  }

  @Test
  void stylesParseLeniently() {
    assertThat(HeaderStyle.parse(" X-RateLimit ")).isEqualTo(HeaderStyle.X_RATELIMIT);
    assertThat(HeaderStyle.parse("ietf")).isEqualTo(HeaderStyle.IETF);
    assertThatThrownBy(() -> HeaderStyle.parse("loud"))
        .hasMessage("unknown header style 'loud'; use one of x-ratelimit, ietf, both, none");
  }

  private static java.util.Map.Entry<String, String> entry(String k, String v) {
    return java.util.Map.entry(k, v);
  }
}
