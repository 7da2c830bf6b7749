package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.RateLimiter;
import dev.sluice.Settlement;
import dev.sluice.eventual.FirstSight;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Consistency;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Given rules and a clock, the enforcement layer's verdicts: what counts, what refuses, what is
 * told to the observer, and which limiters it keeps across reloads.
 */
class EnforcerTest {

  private static RuleSet rules(String yaml) {
    return RuleLoader.create().parse(Map.of("api.yaml", yaml));
  }

  private static final RuleSet API = rules("""
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 2}
        - key: plan
          rate_limit: {unit: hour, requests_per_unit: 1, name: per-plan}
        - key: shadow
          shadow_mode: true
          rate_limit: {unit: minute, requests_per_unit: 1}
        - key: blocked
          rate_limit: {unit: second, requests_per_unit: 0}
        - key: free
          rate_limit: {unlimited: true}
        - key: synced
          consistency: eventual
          rate_limit: {unit: minute, requests_per_unit: 3}
      """);

  private final ManualClock clock = new ManualClock(0);
  private final MemoryBackend backend = MemoryBackend.builder().clock(clock).build();
  private final AtomicReference<RuleSet> live = new AtomicReference<>(API);
  private final List<String> heard = new ArrayList<>();
  private final Enforcer enforcer = Enforcer.builder(live::get,
          ModeBackends.of(backend, Consistency.CONSISTENT,
              new ModeBackends.Eventual(Duration.ofMillis(100), 10, FirstSight.LOCAL), c -> { }))
      .observer(new Observer() {
        @Override
        public void limiterCalled(RuleMatch match, Decision decision, long nanos) {
          heard.add("call " + match.metricKey() + " " + decision.allowed());
        }

        @Override
        public void decided(String domain, Status status) {
          heard.add(domain + " " + status.outcome().tag());
        }
      })
      .build();

  @AfterEach
  void close() {
    enforcer.backends().close();
  }

  private static Item item(String key, String value, long hits) {
    return new Item(Descriptor.of(key, value), hits);
  }

  private Verdict decide(Enforcer.Counting counting, Item... items) {
    return enforcer.decide("api", List.of(items), counting).join();
  }

  @Test
  void eachDescriptorCountsOnItsOwnAsEnvoyDoes() {
    Verdict first = decide(Enforcer.Counting.EACH, item("user", "alice", 1),
        item("other", "x", 1), item("free", "x", 1));
    assertThat(first.allowed()).isTrue();
    assertThat(first.statuses()).extracting(Status::outcome)
        .containsExactly(Outcome.OK, Outcome.NO_RULE, Outcome.UNLIMITED);
    assertThat(first.deciding()).isSameAs(first.statuses().get(0));
    assertThat(first.deciding().remaining()).isEqualTo(1);
    assertThat(heard).containsExactly("call api.user true", "api ok", "api no_rule",
        "api unlimited");

    decide(Enforcer.Counting.EACH, item("user", "alice", 1));
    Verdict over = decide(Enforcer.Counting.EACH, item("user", "alice", 1), item("plan", "p", 1));
    assertThat(over.overLimit()).isTrue();
    assertThat(over.statuses()).extracting(Status::overLimit).containsExactly(true, false);
    // the plan's permit was taken although the user's limit refused the request
    assertThat(decide(Enforcer.Counting.EACH, item("plan", "p", 1)).overLimit()).isTrue();
  }

  @Test
  void allOrNothingTakesNothingWhenOneDescriptorWouldFail() {
    decide(Enforcer.Counting.EACH, item("user", "bob", 2));
    Verdict v = decide(Enforcer.Counting.ALL_OR_NOTHING, item("plan", "p", 1),
        item("user", "bob", 1));
    assertThat(v.overLimit()).isTrue();
    assertThat(v.statuses()).extracting(Status::overLimit).containsExactly(false, true);
    assertThat(v.deciding().limit().name()).isEqualTo("api.user");
    assertThat(v.deciding().retryAfterMicros()).isPositive();
    // the plan's one permit is still there
    assertThat(decide(Enforcer.Counting.ALL_OR_NOTHING, item("plan", "p", 1)).allowed()).isTrue();
    // pre-checks are not told as decisions; only the counted pass is
    assertThat(heard.stream().filter(h -> h.startsWith("api ")))
        .containsExactly("api near_limit", "api ok", "api over_limit", "api near_limit");
  }

  @Test
  void aHoldIsAllOrNothingAndSettlesUnderTheRulesMatchedAgain() {
    Enforcer.Held refused = enforcer.hold("api", List.of(item("plan", "p", 1),
        item("user", "carol", 3), item("free", "x", 5)), Duration.ofMinutes(1)).join();
    assertThat(refused.verdict().overLimit()).isTrue();
    assertThat(refused.held()).isFalse();
    // the plan's hold was released: its status shows the state after, and its permit is there
    assertThat(refused.verdict().statuses().get(0).remaining()).isEqualTo(1);

    Enforcer.Held held = enforcer.hold("api", List.of(item("plan", "p", 1),
        item("user", "carol", 2), item("free", "x", 5)), Duration.ofMinutes(1)).join();
    assertThat(held.verdict().allowed()).isTrue();
    assertThat(held.holdIds().get(0)).isNotNull();
    assertThat(held.holdIds().get(1)).isNotNull();
    assertThat(held.holdIds().get(2)).as("unlimited: nothing held").isNull();
    List<Optional<Settlement>> settled = enforcer.settle("api", held.descriptors(),
        held.holdIds(), 1).join();
    assertThat(settled.get(0).orElseThrow().status()).isEqualTo(Settlement.Status.SETTLED);
    assertThat(settled.get(1).orElseThrow().decision().remaining()).isEqualTo(1);
    assertThat(settled.get(2)).isEmpty();
    assertThat(enforcer.settle("api", held.descriptors(), held.holdIds(), 1).join().get(1)
        .orElseThrow().status()).isEqualTo(Settlement.Status.ALREADY_SETTLED);

    // a rule gone at settle time: nothing to settle under it (the hold expires at its estimate)
    Enforcer.Held later = enforcer.hold("api", List.of(item("user", "dave", 1)),
        Duration.ofMinutes(1)).join();
    live.set(rules("domain: api\ndescriptors:\n  - key: plan\n"
        + "    rate_limit: {unit: hour, requests_per_unit: 1}\n"));
    assertThat(enforcer.settle("api", later.descriptors(), later.holdIds(), 0).join())
        .containsExactly(Optional.empty());
  }

  @Test
  void globalShadowCountsEveryDecisionAndAdmitsEveryRequest() {
    List<String> shadowed = new ArrayList<>();
    Enforcer shadow = Enforcer.builder(live::get, ModeBackends.consistent(backend, false))
        .observer(new Observer() {
          @Override
          public void decided(String domain, Status status) {
            heard.add(domain + " " + status.outcome().tag());
          }

          @Override
          public void shadowed(String domain, Verdict refused) {
            assertThat(refused.overLimit()).isTrue();
            shadowed.add(domain);
          }
        })
        .globalShadow(true).build();
    for (Enforcer.Counting counting : Enforcer.Counting.values()) {
      heard.clear();
      Verdict v = null;
      for (int i = 0; i < 3; i++) {
        v = shadow.decide("api", List.of(item("plan", "g-" + counting, 1),
            item("user", "g-" + counting, 1)), counting).join();
        assertThat(v.allowed()).isTrue();
      }
      assertThat(v.shadowedOverLimit()).isTrue();
      // the statuses are as decided: the refusing one still over limit, and deciding
      assertThat(v.statuses().get(0).overLimit()).isTrue(); // the plan's hour is used up
      assertThat(v.deciding()).isSameAs(v.statuses().get(0)); // the refusing one, as refused
      assertThat(heard).contains("api over_limit");
    }
    assertThat(shadowed).containsExactly("api", "api", "api", "api");
    Verdict admitted = shadow.decide("api", List.of(item("user", "fresh", 1)),
        Enforcer.Counting.EACH).join();
    assertThat(admitted.shadowedOverLimit()).isFalse();
    assertThat(shadowed).hasSize(4);
  }

  @Test
  void shadowRulesCountButNeverRefuse() {
    assertThat(decide(Enforcer.Counting.EACH, item("shadow", "s", 1)).allowed()).isTrue();
    Verdict v = decide(Enforcer.Counting.EACH, item("shadow", "s", 1));
    assertThat(v.allowed()).isTrue();
    Status s = v.statuses().get(0);
    assertThat(s.shadow()).isTrue();
    assertThat(s.decision().allowed()).isFalse();
    assertThat(s.outcome()).isEqualTo(Outcome.SHADOW_OVER_LIMIT);
    assertThat(v.deciding()).isSameAs(s);
  }

  @Test
  void aRuleOfZeroRequestsRefusesWithoutALimiter() {
    Verdict v = decide(Enforcer.Counting.ALL_OR_NOTHING, item("blocked", "b", 1),
        item("user", "carol", 1));
    assertThat(v.overLimit()).isTrue();
    Status blocked = v.statuses().get(0);
    assertThat(blocked.deniesAll()).isTrue();
    assertThat(blocked.decision()).isNull();
    assertThat(v.deciding()).isSameAs(blocked);
    assertThat(enforcer.limiters().size()).isEqualTo(1);
    // nothing was taken from carol
    assertThat(decide(Enforcer.Counting.EACH, item("user", "carol", 2)).allowed()).isTrue();
  }

  @Test
  void matchesMadeElsewhereAreDecidedTheSameWay() {
    List<RuleMatch> matches = List.of(
        API.match("api", Descriptor.of("user", "dan")).orElseThrow());
    Verdict v = enforcer.decideMatches("api", matches, 2, Enforcer.Counting.EACH).join();
    assertThat(v.allowed()).isTrue();
    assertThat(v.deciding().remaining()).isZero();
    assertThat(enforcer.decideMatches("api", matches, 1, Enforcer.Counting.EACH).join()
        .overLimit()).isTrue();
  }

  @Test
  void unknownDomainsAreToldAsUnknown() {
    enforcer.decide("nope", List.of(item("user", "x", 1)), Enforcer.Counting.EACH).join();
    assertThat(heard).containsExactly("unknown no_rule");
  }

  @Test
  void oneLimiterPerSetOfLimitsAndModeKeptWhileTheRulesReferenceIt() {
    decide(Enforcer.Counting.EACH, item("user", "a", 1), item("user", "b", 1),
        item("plan", "p", 1), item("synced", "s", 1));
    LimiterCache cache = enforcer.limiters();
    List<Limit> user = API.match("api", Descriptor.of("user", "a")).orElseThrow().coreLimits();
    List<Limit> synced = API.match("api", Descriptor.of("synced", "s")).orElseThrow()
        .coreLimits();
    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.contains(synced, true)).isTrue();
    RateLimiter userLimiter = cache.get(user, false);

    // A reload that keeps the user rule and drops the plan rule: the plan's limiter goes, the
    // user's stays (with its counters).
    live.set(rules("""
        domain: api
        descriptors:
          - key: user
            rate_limit: {unit: minute, requests_per_unit: 2}
          - key: synced
            consistency: eventual
            rate_limit: {unit: minute, requests_per_unit: 3}
        """));
    assertThat(decide(Enforcer.Counting.EACH, item("user", "a", 1)).deciding().remaining())
        .isZero();
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.get(user, false)).isSameAs(userLimiter);

    // The synced rule turns consistent: its eventual limiter is no longer referenced.
    live.set(rules("""
        domain: api
        descriptors:
          - key: synced
            rate_limit: {unit: minute, requests_per_unit: 3}
        """));
    decide(Enforcer.Counting.EACH, item("synced", "s", 1));
    assertThat(cache.contains(synced, true)).isFalse();
    assertThat(cache.contains(synced, false)).isTrue();
    assertThat(cache.contains(user, false)).isFalse();
  }

  private static RuleSet userPerMinute(long count) {
    return rules("""
        domain: api
        descriptors:
          - key: user
            rate_limit: {unit: minute, requests_per_unit: %d}
          - key: plan
            rate_limit: {unit: hour, requests_per_unit: 3}
        """.formatted(count));
  }

  @Test
  void aReloadThatChangesARulesLimitKeepsWhatEachKeyUsed() {
    for (Enforcer.Counting counting : Enforcer.Counting.values()) {
      String user = "u-" + counting;
      live.set(userPerMinute(10));
      assertThat(decide(counting, item("user", user, 7)).overLimit()).isFalse();
      live.set(userPerMinute(12));
      assertThat(decide(counting, item("user", user, 0)).deciding().remaining())
          .as("12/min after 7 taken under 10/min, %s", counting).isEqualTo(5);
      assertThat(decide(counting, item("user", user, 5)).overLimit()).isFalse();
      assertThat(decide(counting, item("user", user, 1)).overLimit()).isTrue();
      live.set(userPerMinute(5));
      Verdict lowered = decide(counting, item("user", user, 1));
      assertThat(lowered.overLimit()).isTrue();
      assertThat(lowered.deciding().remaining()).isZero();
      // another key, never seen: the new limits in full
      assertThat(decide(counting, item("user", user + "-new", 0)).deciding().remaining())
          .isEqualTo(5);
    }
  }

  @Test
  void aReloadKeepsCountsOfARuleChangedTwiceBeforeItsKeysWereSeenAgain() {
    live.set(userPerMinute(10));
    decide(Enforcer.Counting.EACH, item("user", "u", 7));
    live.set(userPerMinute(12));
    decide(Enforcer.Counting.EACH, item("plan", "p", 1)); // the reload is seen; user untouched
    live.set(userPerMinute(20));
    assertThat(decide(Enforcer.Counting.EACH, item("user", "u", 0)).deciding().remaining())
        .isEqualTo(13);
  }

  @Test
  void limitersOfALimitSubsetLeftByReplacesSurviveAReload() {
    String replacing = """
        domain: api
        descriptors:
          - key: user
            rate_limits:
              - {unit: minute, requests_per_unit: 5, name: per_user}
              - {unit: day, requests_per_unit: 50, name: per_user_daily}
          - key: vip
            rate_limit: {unit: minute, requests_per_unit: 50, replaces: [{name: per_user}]}
        """;
    live.set(rules(replacing));
    decide(Enforcer.Counting.EACH, item("user", "u", 1), item("vip", "u", 1));
    // the user's match lost per_user to vip's replaces: its limiter has per_user_daily alone
    assertThat(enforcer.limiters().size()).isEqualTo(2);
    live.set(rules(replacing + """
          - key: other
            rate_limit: {unit: second, requests_per_unit: 1}
        """));
    decide(Enforcer.Counting.EACH, item("other", "o", 1));
    assertThat(enforcer.limiters().size()).isEqualTo(3);
  }

  @Test
  void eventualRulesUseTheSharedBackendWhenItIsInMemory() {
    try (ModeBackends modes = ModeBackends.of(MemoryBackend.create(), Consistency.EVENTUAL,
        new ModeBackends.Eventual(Duration.ofMillis(100), 10, FirstSight.LOCAL), c -> { })) {
      assertThat(modes.eventual(Optional.empty())).isTrue();
      assertThat(modes.eventual(Optional.of(Consistency.CONSISTENT))).isFalse();
      assertThat(modes.backendFor(true)).isSameAs(modes.shared());
      assertThat(modes.eventualIfBuilt()).isNull();
    }
  }

  @Test
  void aConsistentOnlyLayerIgnoresEventualRules() {
    try (ModeBackends modes = ModeBackends.consistent(MemoryBackend.create(), true)) {
      assertThat(modes.eventual(Optional.of(Consistency.EVENTUAL))).isFalse();
      assertThat(modes.backendFor(true)).isSameAs(modes.shared());
    }
  }

  @Test
  void aBackendNotOwnedIsLeftOpen() {
    MemoryBackend mine = MemoryBackend.create();
    ModeBackends.consistent(mine, false).close();
    assertThat(RateLimiter.create(mine, List.of(Limit.perSecond(1))).tryAcquire("k").allowed())
        .isTrue();
    mine.close();
  }
}
