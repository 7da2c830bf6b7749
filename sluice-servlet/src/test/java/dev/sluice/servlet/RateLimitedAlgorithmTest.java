package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.http.HandlerLimits;
import dev.sluice.http.RequestLimiter;
import dev.sluice.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The algorithm of {@code @RateLimited} and of the {@code algorithm} setting: each limit is built
 * once with it, so a rate only that algorithm accepts is valid, and a bound only that algorithm
 * sets is reported as the algorithm's.
 */
class RateLimitedAlgorithmTest {

  @RateLimited(value = "999999937/second;10/minute", algorithm = Algorithm.FIXED_WINDOW)
  void bigWindow() {}

  @RateLimited(value = "2000000/second", algorithm = Algorithm.SLIDING_WINDOW_LOG)
  void tooBigLog() {}

  @RateLimited("999999937/second")
  void bigBucket() {}

  @RateLimited(value = "1/second", keyExpression = "header('X-Tenant')")
  void byExpression() {}

  @RateLimited(value = "1/second", maxWait = "2s")
  void waiting() {}

  private final List<Limit> built = new ArrayList<>();
  private final HandlerLimits limits = new HandlerLimits((id, limits) -> {
    built.addAll(limits);
    return RateLimiter.create(
        MemoryBackend.builder().clock(new ManualClock(1_000_000)).build(), limits);
  }, "x-api-key");

  private HandlerLimits.Handler handler(String id, RateLimited a) {
    return limits.handler(id, a.value(), a.algorithm(), a.key(), a.keyExpression(), a.cost());
  }

  private static RateLimited annotation(String method) throws NoSuchMethodException {
    return RateLimitedAlgorithmTest.class.getDeclaredMethod(method)
        .getAnnotation(RateLimited.class);
  }

  @Test
  void anAnnotationsLimitsAreBuiltForItsAlgorithm() throws Exception {
    handler("bigWindow", annotation("bigWindow"));
    assertThat(built).containsExactly(
        Limit.of(999_999_937, java.time.Duration.ofSeconds(1), Algorithm.FIXED_WINDOW),
        Limit.parse("10/minute", Algorithm.FIXED_WINDOW));
  }

  @Test
  void anAnnotationsAlgorithmBoundIsTheAlgorithmsProblem() throws Exception {
    assertThatThrownBy(() -> handler("tooBigLog", annotation("tooBigLog")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("@RateLimited on tooBigLog: SLIDING_WINDOW_LOG keeps every admitted request,"
            + " so count must be at most 1000000, was 2000000; use SLIDING_WINDOW_COUNTER for"
            + " larger counts");
    assertThatThrownBy(() -> handler("bigBucket", annotation("bigBucket")))
        .hasMessageStartingWith("@RateLimited on bigBucket: invalid limit \"999999937/second\":"
            + " burst × count / gcd(count, period in µs) must be at most 2^53");
  }

  @Test
  void theAlgorithmSettingBuildsEachLimitOnce() {
    assertThat(SluiceSettings.limits(
        Map.of("limits", "999999937/second", "algorithm", "fixed-window")::get, "sluice."))
        .containsExactly(Limit.parse("999999937/second", Algorithm.FIXED_WINDOW));
    assertThatThrownBy(() -> SluiceSettings.limits(
        Map.of("limits", "999999937/second")::get, "sluice."))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("sluice.limits: invalid limit \"999999937/second\": burst ×");
    assertThatThrownBy(() -> SluiceSettings.limits(
        Map.of("limits", "10/second;2000000/second", "algorithm", "sliding-window-log")::get,
        "sluice."))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("sluice.algorithm: SLIDING_WINDOW_LOG keeps every admitted request, so count"
            + " must be at most 1000000, was 2000000; use SLIDING_WINDOW_COUNTER for larger"
            + " counts");
  }

  @Test
  void withoutSpringAKeyExpressionOrAWaitFailsNamingTheHandler() {
    RequestLimiter limiter = RequestLimiter.builder().build();
    assertThatThrownBy(() -> RateLimitedHandlers.of(limiter, "byExpression",
        annotation("byExpression")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("@RateLimited on byExpression: keyExpression needs Spring"
            + " (sluice-spring-boot-starter); the servlet filter takes key");
    assertThatThrownBy(() -> RateLimitedHandlers.of(limiter, "waiting", annotation("waiting")))
        .hasMessage("@RateLimited on waiting: maxWait works on methods of Spring beans, not on"
            + " web handlers, which are refused at once");
  }
}
