package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualClock;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The top clients against exact counts: skewed and uniform traffic, the Space-Saving bounds, the
 * windows on a manual clock, ten million distinct clients in fixed memory, hostile client values.
 */
class TopClientsTest {

  private static final RuleSet RULES = RuleLoader.create().parse(Map.of("api.yaml", """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 2}
        - key: plan
          value: free
          descriptors:
            - key: user
              detailed_metric: true
              rate_limit: {unit: hour, requests_per_unit: 5}
        - key: open
          rate_limit: {unlimited: true}
      """));
  private static final boolean ALLOWED = true;
  private static final boolean DENIED = false;

  private final ManualClock clock = new ManualClock(0);

  private static Status status(boolean allowed, String... keysAndValues) {
    Descriptor d = Descriptor.of(keysAndValues);
    RuleMatch m = RULES.match("api", d).orElseThrow();
    if (m.unlimited()) {
      return Status.unlimited(d, m);
    }
    Limit limit = m.coreLimits().get(0);
    return Status.decided(d, m, allowed ? Decision.allowed(limit, 1, 1_000_000)
        : Decision.denied(limit, 0, 1_000_000, 1_000_000));
  }

  @Test
  void fewerClientsThanCountersAreCountedExactly() {
    TopClients top = new TopClients(8, 100, clock);
    for (int i = 0; i < 30; i++) {
      top.decided("api", status(i % 5 == 0 ? DENIED : ALLOWED, "user", "u" + (i % 5)));
    }
    TopClients.Table users = new TopClients.Table("api", "user");
    assertThat(top.tables()).containsExactly(users);
    TopClients.Top active = top.top(users, TopClients.Kind.ACTIVE, Duration.ofMinutes(1), 10);
    assertThat(active.total()).isEqualTo(30);
    assertThat(active.rows()).hasSize(5).allSatisfy(r -> {
      assertThat(r.count()).isEqualTo(6);
      assertThat(r.error()).isZero();
    });
    TopClients.Top refused = top.top(users, TopClients.Kind.REFUSED, Duration.ofMinutes(1), 2);
    assertThat(refused.total()).isEqualTo(6);
    assertThat(refused.rows()).containsExactly(new TopClients.Row("user=u0", 6, 0));
  }

  @Test
  void aRulesTableIsNamedByTheRuleNotByTheRequestsValues() {
    TopClients top = new TopClients(8, 100, clock);
    top.decided("api", status(DENIED, "plan", "free", "user", "ann"));
    top.decided("api", status(DENIED, "plan", "free", "user", "bob"));
    top.decided("api", status(ALLOWED, "open", "x"));
    assertThat(top.tables()).containsExactly(new TopClients.Table("api", "plan_free.user"));
    assertThat(top.top(new TopClients.Table("api", "plan_free.user"), TopClients.Kind.REFUSED,
        Duration.ofMinutes(1), 5).rows()).extracting(TopClients.Row::client)
        .containsExactlyInAnyOrder("plan=free, user=ann", "plan=free, user=bob");
  }

  /** The bounds every row must hold, and the heavy clients that must be listed. */
  private static void assertBounds(SpaceSaving.Snapshot s, Map<String, Long> exact, int capacity) {
    long total = exact.values().stream().mapToLong(Long::longValue).sum();
    assertThat(s.total()).isEqualTo(total);
    Map<String, SpaceSaving.Entry> byKey = new HashMap<>();
    for (SpaceSaving.Entry e : s.entries()) {
      byKey.put(e.key(), e);
      long truth = exact.getOrDefault(e.key(), 0L);
      assertThat(truth).as(e.key()).isBetween(e.count() - e.error(), e.count());
      assertThat(e.error()).isLessThanOrEqualTo(total / capacity);
    }
    exact.forEach((k, n) -> {
      if (n > total / capacity) {
        assertThat(byKey).as("heavy client " + k + " (" + n + ")").containsKey(k);
      } else if (!byKey.containsKey(k)) {
        assertThat(n).isLessThanOrEqualTo(s.floor());
      }
    });
  }

  @Test
  void skewedTrafficFindsTheHeavyClientsWithinTheBounds() {
    int capacity = 64;
    SpaceSaving summary = new SpaceSaving(capacity);
    Map<String, Long> exact = new HashMap<>();
    SplittableRandom random = new SplittableRandom(7);
    // Zipf-like: client k with weight 1/k^1.2 over 100,000 clients
    int n = 100_000;
    double[] cdf = new double[n];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += 1 / Math.pow(k, 1.2);
      cdf[k - 1] = sum;
    }
    for (int i = 0; i < 500_000; i++) {
      double u = random.nextDouble() * sum;
      int lo = 0;
      int hi = n - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      String key = "c" + (lo + 1);
      summary.add(key, 1);
      exact.merge(key, 1L, Long::sum);
    }
    SpaceSaving.Snapshot s = summary.snapshot();
    assertBounds(s, exact, capacity);
    List<TopClients.Row> rows = TopClients.merge(List.of(s), 5);
    assertThat(rows).extracting(TopClients.Row::client)
        .containsExactly("c1", "c2", "c3", "c4", "c5");
  }

  @Test
  void uniformTrafficKeepsTheBoundsAndListsNoOneAsHeavy() {
    int capacity = 32;
    SpaceSaving summary = new SpaceSaving(capacity);
    Map<String, Long> exact = new HashMap<>();
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 200_000; i++) {
      String key = "c" + random.nextInt(5_000);
      summary.add(key, 1);
      exact.merge(key, 1L, Long::sum);
    }
    SpaceSaving.Snapshot s = summary.snapshot();
    assertBounds(s, exact, capacity);
    assertThat(s.entries()).hasSize(capacity);
  }

  @Test
  void tenMillionDistinctClientsUseFixedMemory() {
    int capacity = 32;
    TopClients top = new TopClients(capacity, 100, clock);
    Descriptor hot = Descriptor.of("user", "hot");
    RuleMatch match = RULES.match("api", hot).orElseThrow();
    Decision denied = Decision.denied(match.coreLimits().get(0), 0, 1_000_000, 1_000_000);
    Status hotStatus = Status.decided(hot, match, denied);
    for (int i = 0; i < 10_000_000; i++) {
      if (i % 10 == 0) {
        top.decided("api", hotStatus);
      } else {
        Descriptor d = Descriptor.of("user", Integer.toString(i));
        top.decided("api", Status.decided(d, match, denied));
      }
      if (i % 1_000_000 == 999_999) {
        clock.advance(Duration.ofSeconds(20));
      }
    }
    TopClients.Table users = new TopClients.Table("api", "user");
    TopClients.Top t = top.top(users, TopClients.Kind.REFUSED, TopClients.MAX_WINDOW, 3);
    assertThat(t.total()).isEqualTo(10_000_000);
    assertThat(t.rows().get(0).client()).isEqualTo("user=hot");
    // a true count of 1,000,000: the lower bound proves it, the error stays within total/capacity
    assertThat(t.rows().get(0).count() - t.rows().get(0).error()).isLessThanOrEqualTo(1_000_000);
    assertThat(t.rows().get(0).count()).isGreaterThanOrEqualTo(1_000_000);
    // every minute's summary holds at most `capacity` clients: 4 minutes, 2 kinds
    assertThat(TopClients.merge(List.of(), 1)).isEmpty();
    assertThat(top.top(users, TopClients.Kind.ACTIVE, TopClients.MAX_WINDOW, Integer.MAX_VALUE)
        .rows().size()).isLessThanOrEqualTo(4 * capacity);
  }

  @Test
  void windowsFollowTheClockAndOldMinutesLeave() {
    TopClients top = new TopClients(8, 100, clock);
    TopClients.Table users = new TopClients.Table("api", "user");
    top.decided("api", status(DENIED, "user", "early"));
    clock.advance(Duration.ofMinutes(1));
    top.decided("api", status(DENIED, "user", "late"));
    top.decided("api", status(DENIED, "user", "late"));
    assertThat(top.top(users, TopClients.Kind.REFUSED, Duration.ofMinutes(1), 5).rows())
        .extracting(TopClients.Row::client).containsExactly("user=late");
    assertThat(top.top(users, TopClients.Kind.REFUSED, Duration.ofMinutes(2), 5).rows())
        .extracting(TopClients.Row::client).containsExactly("user=late", "user=early");
    clock.advance(Duration.ofMinutes(10));
    assertThat(top.top(users, TopClients.Kind.REFUSED, TopClients.MAX_WINDOW, 5).rows())
        .isEmpty();
    assertThat(top.tables()).isEmpty();
  }

  @Test
  void tablesAreBoundedAndTheRestCounted() {
    TopClients top = new TopClients(4, 1, clock);
    top.decided("api", status(ALLOWED, "user", "a"));
    top.decided("api", status(DENIED, "user", "a"));
    assertThat(top.droppedTables()).isEqualTo(1);
  }

  @Test
  void hostileValuesAreKeptShortAndDistinct() {
    String longA = "<script>alert(1)</script>".repeat(40) + "a";
    String longB = "<script>alert(1)</script>".repeat(40) + "b";
    String a = TopClients.client(Descriptor.of("user", longA));
    String b = TopClients.client(Descriptor.of("user", longB));
    assertThat(a).hasSizeLessThanOrEqualTo(TopClients.MAX_CLIENT_CHARS).isNotEqualTo(b);
    // a surrogate pair is never cut in half
    String emoji = "x" + "\uD83D\uDE00".repeat(300);
    String c = TopClients.client(Descriptor.of("user", emoji));
    assertThat(c.chars().filter(ch -> Character.isHighSurrogate((char) ch)).count())
        .isEqualTo(c.chars().filter(ch -> Character.isLowSurrogate((char) ch)).count());
  }
}
