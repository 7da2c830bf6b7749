package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Enforcer.Counting#ALL_OR_NOTHING} as the service and the filter use it: racing requests
 * of two descriptors are admitted exactly the narrow limit and charge the wide one exactly; a
 * refusal reports the refusing descriptor's exact retry and the others' untouched state; shadow
 * descriptors count the admitted requests only and never refuse; the observer hears each
 * descriptor once, in order.
 */
class EnforcerAllOrNothingTest {

  private static final long T0 = 1_700_006_400_000_000L; // a whole day: minute windows start
  private static final RuleSet RULES = RuleLoader.create().parse(Map.of("api.yaml", """
      domain: api
      descriptors:
        - key: narrow
          rate_limit: {unit: minute, requests_per_unit: 10, algorithm: fixed_window}
        - key: wide
          rate_limit: {unit: minute, requests_per_unit: 1000, algorithm: token_bucket}
        - key: tiny
          rate_limit: {unit: minute, requests_per_unit: 1, algorithm: fixed_window}
        - key: shadow
          shadow_mode: true
          rate_limit: {unit: minute, requests_per_unit: 2, algorithm: fixed_window}
        - key: blocked
          rate_limit: {unit: second, requests_per_unit: 0}
      """));

  private final ManualClock clock = new ManualClock(T0);
  private final List<String> heard = Collections.synchronizedList(new ArrayList<>());
  private final Enforcer enforcer = Enforcer.builder(() -> RULES,
          ModeBackends.consistent(MemoryBackend.builder().clock(clock).build(), true))
      .observer(new Observer() {
        @Override
        public void limiterCalled(RuleMatch match, Decision decision, long nanos) {
          heard.add("call " + match.descriptor().entries().get(0).key() + " "
              + decision.allowed());
        }

        @Override
        public void decided(String domain, Status status) {
          heard.add(status.descriptor().entries().get(0).key() + " "
              + status.outcome().tag());
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

  private Verdict decide(Item... items) {
    return enforcer.decide("api", List.of(items), Enforcer.Counting.ALL_OR_NOTHING).join();
  }

  private long remaining(String key, String value) {
    return enforcer.decide("api", List.of(item(key, value, 0)), Enforcer.Counting.EACH).join()
        .statuses().get(0).remaining();
  }

  @Test
  void racingRequestsAreAdmittedExactlyTheNarrowLimitAndChargeTheWideOneExactly()
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> counts = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        counts.add(pool.submit(() -> {
          start.await();
          int admitted = 0;
          for (int i = 0; i < 10; i++) {
            // the wide descriptor first on some threads, last on others
            Verdict v = i % 2 == 0 ? decide(item("wide", "w", 1), item("narrow", "n", 1))
                : decide(item("narrow", "n", 1), item("wide", "w", 1));
            if (v.allowed()) {
              admitted++;
            }
          }
          return admitted;
        }));
      }
      start.countDown();
      int admitted = 0;
      for (Future<Integer> f : counts) {
        admitted += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(admitted).as("admitted of 80").isEqualTo(10);
      assertThat(remaining("narrow", "n")).isZero();
      assertThat(remaining("wide", "w")).as("the wide limit's remaining").isEqualTo(990);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRefusalReportsTheExactRetryAndTheOthersStateAndTakesNothing() {
    clock.advanceMicros(15_000_000); // 45 s left in the minute's window
    assertThat(decide(item("wide", "w", 5), item("tiny", "t", 1)).allowed()).isTrue();
    heard.clear();
    Verdict v = decide(item("wide", "w", 5), item("tiny", "t", 1), item("other", "x", 1));
    assertThat(v.overLimit()).isTrue();
    Status wide = v.statuses().get(0);
    Status tiny = v.statuses().get(1);
    assertThat(wide.overLimit()).isFalse();
    assertThat(wide.remaining()).as("the wide descriptor's state: nothing taken").isEqualTo(995);
    assertThat(tiny.overLimit()).isTrue();
    assertThat(tiny.retryAfterMicros()).isEqualTo(45_000_000);
    assertThat(v.deciding()).isSameAs(tiny);
    assertThat(v.statuses().get(2).outcome()).isEqualTo(Outcome.NO_RULE);
    assertThat(heard).containsExactly("call wide true", "call tiny false", "wide ok",
        "tiny over_limit", "other no_rule");
    assertThat(remaining("wide", "w")).isEqualTo(995);
  }

  @Test
  void shadowDescriptorsCountTheAdmittedRequestsOnlyAndNeverRefuse() {
    // admitted: the shadow rule counts it
    assertThat(decide(item("tiny", "t", 1), item("shadow", "s", 1)).allowed()).isTrue();
    // refused by tiny: the shadow rule reports its state and counts nothing
    Verdict refused = decide(item("tiny", "t", 1), item("shadow", "s", 1));
    assertThat(refused.overLimit()).isTrue();
    assertThat(refused.statuses().get(1).remaining()).isEqualTo(1);
    assertThat(remaining("shadow", "s")).isEqualTo(1);
    // admitted twice more with another enforced descriptor: the shadow limit runs out and says
    // so, without refusing
    assertThat(decide(item("narrow", "a", 1), item("shadow", "s", 1)).allowed()).isTrue();
    Verdict over = decide(item("narrow", "b", 1), item("shadow", "s", 1));
    assertThat(over.allowed()).isTrue();
    assertThat(over.statuses().get(1).outcome()).isEqualTo(Outcome.SHADOW_OVER_LIMIT);
  }

  @Test
  void aRuleDenyingEveryRequestRefusesAndNothingIsTakenNorCountedInShadow() {
    Verdict v = decide(item("narrow", "n", 1), item("blocked", "b", 1), item("shadow", "s", 1));
    assertThat(v.overLimit()).isTrue();
    assertThat(v.deciding().deniesAll()).isTrue();
    assertThat(remaining("narrow", "n")).isEqualTo(10);
    assertThat(remaining("shadow", "s")).isEqualTo(2);
  }

  @Test
  void eachCountsEveryDescriptorEvenWhenOneRefuses() {
    decide(item("tiny", "t", 1));
    Verdict v = enforcer.decide("api", List.of(item("wide", "w", 1), item("tiny", "t", 1)),
        Enforcer.Counting.EACH).join();
    assertThat(v.overLimit()).isTrue();
    assertThat(remaining("wide", "w")).isEqualTo(999);
  }
}
