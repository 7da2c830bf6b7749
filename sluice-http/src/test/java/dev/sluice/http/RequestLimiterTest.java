package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP decision pipeline on a memory backend with a manual clock. */
class RequestLimiterTest {

  private final ManualClock clock = new ManualClock(1_000_000);
  private final MemoryBackend backend = MemoryBackend.builder().clock(clock).build();

  @AfterEach
  void close() {
    backend.close();
  }

  private RequestLimiter.Builder builder() {
    return RequestLimiter.builder().backend(backend);
  }

  private static RequestContext request(String path, String address) {
    return RequestContext.builder("POST", path).clientAddress(address).build();
  }

  private static RequestLimiter.Outcome decide(RequestLimiter l, RequestContext r) {
    return l.decide(r, l.cost(r), null).toCompletableFuture().join();
  }

  private static RequestLimiter.Proceed proceeds(RequestLimiter l, RequestContext r) {
    RequestLimiter.Outcome o = decide(l, r);
    assertThat(o).isInstanceOf(RequestLimiter.Proceed.class);
    return (RequestLimiter.Proceed) o;
  }

  private static RequestLimiter.Respond responds(RequestLimiter l, RequestContext r) {
    RequestLimiter.Outcome o = decide(l, r);
    assertThat(o).isInstanceOf(RequestLimiter.Respond.class);
    return (RequestLimiter.Respond) o;
  }

  @Test
  void plainLimitsAdmitThenRefuseWithHeadersAndAProblem() {
    RequestLimiter l = builder().limits(Limit.parseAll("2/minute")).build();
    RequestContext r = request("/a", "10.0.0.1");
    assertThat(proceeds(l, r).headers()).containsEntry("X-RateLimit-Remaining", "1");
    assertThat(proceeds(l, r).headers()).containsEntry("X-RateLimit-Remaining", "0");
    RequestLimiter.Respond denied = responds(l, r);
    assertThat(denied.status()).isEqualTo(429);
    assertThat(denied.headers()).containsEntry("Retry-After", "30");
    assertThat(denied.contentType()).isEqualTo("application/problem+json");
    assertThat(denied.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\","
        + "\"status\":429,\"detail\":\"Rate limit 2/minute exceeded; retry after 30 seconds.\","
        + "\"retryAfter\":30}");
    assertThat(proceeds(l, request("/a", "10.0.0.2")).headers())
        .containsEntry("X-RateLimit-Remaining", "1");
  }

  @Test
  void theRefusalStatusIsConfigurable() {
    RequestLimiter l = builder().limits(Limit.parseAll("1/minute")).refusalStatus(503).build();
    RequestContext r = request("/a", "10.0.0.1");
    proceeds(l, r);
    RequestLimiter.Respond denied = responds(l, r);
    assertThat(denied.status()).isEqualTo(503);
    assertThat(denied.headers()).containsKey("Retry-After");
    assertThat(denied.body()).startsWith("{\"type\":\"about:blank\",\"title\":\"Service"
        + " Unavailable\",\"status\":503,");
    assertThatThrownBy(() -> builder().refusalStatus(200))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refusal-status: must be a client or server error status (400-599), was 200");
    assertThatThrownBy(() -> builder().refusalStatus(600))
        .hasMessageStartingWith("refusal-status: must be a client or server error status");
  }

  @Test
  void exemptRequestsAreNeitherCountedNorGivenHeaders() {
    RequestLimiter l = builder().limits(Limit.parseAll("2/minute")).key("ip")
        .exemptPaths(List.of("/health", "/actuator/**"))
        .exemptAddresses(AddressRanges.parse("10.1.0.0/16"))
        .exempt(r -> r.header("X-Internal").isPresent())
        .build();
    for (int i = 0; i < 5; i++) {
      assertThat(proceeds(l, request("/health", "10.0.0.1")).headers()).isEmpty();
      assertThat(proceeds(l, request("/actuator/metrics/x", "10.0.0.1")).headers()).isEmpty();
      assertThat(proceeds(l, request("/a", "10.1.2.3")).headers()).isEmpty();
      assertThat(proceeds(l, RequestContext.builder("GET", "/a").clientAddress("10.0.0.1")
          .header("X-Internal", "yes").build()).headers()).isEmpty();
    }
    // none of them took from 10.0.0.1's two permits
    assertThat(proceeds(l, request("/a", "10.0.0.1")).headers())
        .containsEntry("X-RateLimit-Remaining", "1");
    proceeds(l, request("/a", "10.0.0.1"));
    responds(l, request("/a", "10.0.0.1"));
    assertThat(l.exempt(request("/healthz", "10.0.0.1"))).isFalse();
  }

  @Test
  void countStatusesHoldsBeforeAndSettlesByTheStatus() {
    RequestLimiter l = builder().limits(Limit.parseAll("2/minute"))
        .countStatuses(StatusCondition.parse("401")).build();
    RequestContext r = request("/login", "10.0.0.1");
    RequestLimiter.Proceed first = proceeds(l, r);
    RequestLimiter.Proceed second = proceeds(l, r);
    assertThat(first.awaitsStatus()).isTrue();
    // both in flight hold their cost: a third has no room
    assertThat(responds(l, r).status()).isEqualTo(429);
    first.complete(200).toCompletableFuture().join();  // a success gives it back
    RequestLimiter.Proceed third = proceeds(l, r);
    second.complete(401).toCompletableFuture().join();
    third.complete(401).toCompletableFuture().join();
    third.complete(200).toCompletableFuture().join();  // only the first completion counts
    assertThat(responds(l, r).status()).isEqualTo(429);
    clock.advance(Duration.ofSeconds(30));  // one permit back
    RequestLimiter.Proceed fourth = proceeds(l, r);
    fourth.complete(204).toCompletableFuture().join();
    proceeds(l, r).complete(401).toCompletableFuture().join();
    assertThat(responds(l, r).status()).isEqualTo(429);
  }

  @Test
  void rulesAreHeldAllOrNothingAndSettledByTheStatus() {
    RuleSet rules = RuleLoader.create().load(Path.of("src/test/resources/routes/logins.yaml"));
    RequestLimiter l = builder().rules(() -> rules, null)
        .countStatuses(StatusCondition.parse("4xx")).build();
    RequestContext login = request("/login", "10.0.0.1");
    for (int i = 0; i < 5; i++) {
      proceeds(l, login).complete(200).toCompletableFuture().join();
    }
    proceeds(l, login).complete(403).toCompletableFuture().join();
    RequestLimiter.Proceed inFlight = proceeds(l, login);
    assertThat(responds(l, login).status()).isEqualTo(429);
    inFlight.complete(302).toCompletableFuture().join();
    proceeds(l, login).complete(401).toCompletableFuture().join();
    assertThat(responds(l, login).status()).isEqualTo(429);
    assertThat(proceeds(l, request("/other", "10.0.0.1")).awaitsStatus()).isFalse();

    assertThatThrownBy(() -> builder().rules(() -> rules, null)
        .descriptorCounting(Enforcer.Counting.EACH)
        .countStatuses(StatusCondition.parse("401")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("descriptor-counting: each cannot be combined with"
            + " count-statuses");
  }

  @Test
  void aHandlersLimitsHaveTheirOwnCountersAndCost() {
    RequestLimiter l = builder().limits(Limit.parseAll("10/minute")).build();
    HandlerLimits.Handler h = l.handler("Orders#create", "4/minute", Algorithm.FIXED_WINDOW,
        "", 2);
    assertThat(l.handler("Orders#create", "1/minute", Algorithm.GCRA, "", 1)).isSameAs(h);
    RequestContext r = request("/orders", "10.0.0.1");
    assertThat(l.decide(r, 1, h).toCompletableFuture().join())
        .isInstanceOf(RequestLimiter.Proceed.class);
    assertThat(l.decideHandler(r, h).toCompletableFuture().join())
        .isInstanceOf(RequestLimiter.Proceed.class);
    RequestLimiter.Outcome third = l.decide(r, 1, h).toCompletableFuture().join();
    assertThat(third).isInstanceOf(RequestLimiter.Respond.class);
    assertThat(((RequestLimiter.Respond) third).body()).contains("Rate limit 4/minute exceeded");
    assertThatThrownBy(() -> l.handler("Bad#x", "lots", Algorithm.TOKEN_BUCKET, "", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("@RateLimited on Bad#x: invalid limit \"lots\"");
  }

  @Test
  void aMissingIdentityIsA401UnderReject() {
    RequestLimiter l = builder().limits(Limit.parseAll("2/minute")).key("user")
        .onMissingKey(OnMissingKey.REJECT).build();
    RequestLimiter.Respond r = responds(l, request("/a", "10.0.0.1"));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.headers()).containsEntry("WWW-Authenticate",
        "Basic realm=\"sluice\", charset=\"UTF-8\"");
    assertThat(r.body()).contains("\"status\":401");
    RequestContext alice = RequestContext.builder("GET", "/a").clientAddress("10.0.0.1")
        .header("Authorization", "Basic " + Base64.getEncoder()
            .encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8))).build();
    assertThat(decide(l, alice)).isInstanceOf(RequestLimiter.Proceed.class);
  }

  @Test
  void whatWasHeldBeforeAFailureIsSettledAsA500() {
    RuleSet rules = RuleLoader.create().load(Path.of("src/test/resources/routes/logins.yaml"));
    AtomicBoolean broken = new AtomicBoolean();
    RequestLimiter l = builder().limits(Limit.parseAll("2/minute"))
        .rules(() -> {
          if (broken.get()) {
            throw new IllegalStateException("rules unreadable");
          }
          return rules;
        }, "web")
        .countStatuses(StatusCondition.parse("401")).build();
    broken.set(true);
    RequestContext r = request("/a", "10.0.0.1");
    for (int i = 0; i < 3; i++) {
      assertThat(responds(l, r).status()).isEqualTo(500);
    }
    broken.set(false);
    // the plain limits' holds were given back (500 is not counted): both permits are there
    proceeds(l, r).complete(401).toCompletableFuture().join();
    proceeds(l, r).complete(401).toCompletableFuture().join();
    assertThat(responds(l, r).status()).isEqualTo(429);
  }

  @Test
  void aFailingDecisionIsA500WithoutInternals() {
    RequestLimiter l = builder().limits(Limit.parseAll("2/minute"))
        .exempt(r -> {
          throw new IllegalStateException("secret internals");
        }).build();
    RequestLimiter.Respond r = responds(l, request("/a", "10.0.0.1"));
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.body()).doesNotContain("secret").doesNotContain("Exception")
        .contains("could not be decided");
  }
}
