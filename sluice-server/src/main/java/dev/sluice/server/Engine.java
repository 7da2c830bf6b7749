package dev.sluice.server;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLimit;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Decides requests of descriptors against the live rules, asynchronously (never blocks the
 * caller). One {@link RateLimiter} per distinct set of limits and mode (consistent or eventual,
 * see {@link Enforcement}), created on first use and kept, so that a reload that keeps a rule keeps
 * its counters; each descriptor counts under its match's {@link RuleMatch#counterKey()}.
 */
final class Engine {

  /** One descriptor of a request and the permits it asks for (0 = check only). */
  record Item(Descriptor descriptor, long hits) {}

  /** The answer for one descriptor. */
  record Status(Descriptor descriptor, boolean overLimit, @Nullable RuleMatch match,
      @Nullable RuleLimit limit, long remaining, long resetAfterMicros, long retryAfterMicros,
      boolean shadow, boolean unlimited) {

    /** Whether a rule with a limit applied (not unlimited, not unmatched). */
    boolean limited() {
      return limit != null;
    }
  }

  /** The answer for a request: one status per descriptor, in order. */
  record Result(String domain, List<Status> statuses) {
    boolean overLimit() {
      return statuses.stream().anyMatch(Status::overLimit);
    }

    /**
     * The status that decided: when denied, the over-limit one with the longest wait; otherwise
     * the limited one with the fewest permits left; null when nothing was limited.
     */
    @Nullable Status deciding() {
      Status best = null;
      for (Status s : statuses) {
        if (!s.limited()) {
          continue;
        }
        if (overLimit()) {
          if (s.overLimit() && (best == null || s.retryAfterMicros() > best.retryAfterMicros())) {
            best = s;
          }
        } else if (best == null || s.remaining() < best.remaining()) {
          best = s;
        }
      }
      return best;
    }
  }

  /** One limiter per distinct set of limits and mode. */
  private record LimiterKey(List<Limit> limits, boolean eventual) {}

  private final Enforcement enforcement;
  private final LiveRules rules;
  private final Metrics metrics;
  private final Map<LimiterKey, RateLimiter> limiters = new ConcurrentHashMap<>();

  Engine(Enforcement enforcement, LiveRules rules, Metrics metrics) {
    this.enforcement = enforcement;
    this.rules = rules;
    this.metrics = metrics;
  }

  RuleSet rules() {
    return rules.current();
  }

  /**
   * Decides {@code items} in {@code domain}, as envoy does: every descriptor is counted on its own
   * and the request is over limit if any descriptor is. With {@code allOrNothing}, a request of
   * several descriptors is first checked without consuming; if any would be over limit, nothing is
   * consumed (see docs/server.md for what concurrency can still do).
   */
  CompletableFuture<Result> decide(String domain, List<Item> items, boolean allOrNothing) {
    RuleSet set = rules.current();
    List<Descriptor> descriptors = new ArrayList<>(items.size());
    items.forEach(i -> descriptors.add(i.descriptor()));
    List<Optional<RuleMatch>> matches = set.matchAll(domain, descriptors);
    String tag = set.domain(domain).isPresent() ? domain : "unknown";
    if (allOrNothing && countLimited(matches) > 1) {
      return precheck(domain, tag, items, matches);
    }
    return all(tag, items, matches, null);
  }

  /** Decides a request already turned into matches (route rules), with one hit count. */
  CompletableFuture<Result> decideMatches(String domain, List<RuleMatch> matches, long hits,
      boolean allOrNothing) {
    List<Item> items = new ArrayList<>();
    List<Optional<RuleMatch>> opt = new ArrayList<>();
    for (RuleMatch m : matches) {
      items.add(new Item(m.descriptor(), hits));
      opt.add(Optional.of(m));
    }
    String tag = rules.current().domain(domain).isPresent() ? domain : "unknown";
    if (allOrNothing && countLimited(opt) > 1) {
      return precheck(domain, tag, items, opt);
    }
    return all(tag, items, opt, null);
  }

  private static int countLimited(List<Optional<RuleMatch>> matches) {
    int n = 0;
    for (Optional<RuleMatch> m : matches) {
      if (m.isPresent() && !m.get().unlimited() && !m.get().shadowMode()) {
        n++;
      }
    }
    return n;
  }

  /** Checks every descriptor with 0 permits; consumes only if all would pass. */
  private CompletableFuture<Result> precheck(String domain, String tag, List<Item> items,
      List<Optional<RuleMatch>> matches) {
    List<Item> zero = new ArrayList<>();
    items.forEach(i -> zero.add(new Item(i.descriptor(), 0)));
    return all(null, zero, matches, null).thenCompose(check -> {
      boolean[] wouldFail = new boolean[items.size()];
      boolean any = false;
      for (int i = 0; i < items.size(); i++) {
        Status s = check.statuses().get(i);
        if (s.limited() && !s.shadow()
            && (s.overLimit() || s.remaining() < items.get(i).hits())) {
          wouldFail[i] = true;
          any = true;
        }
      }
      if (!any) {
        return all(tag, items, matches, null);
      }
      // Only the failing descriptors are asked for their permits: a denial consumes nothing
      // and gives exact retry-after values; the others report their state without consuming.
      return all(tag, items, matches, wouldFail).thenApply(partial -> {
        List<Status> merged = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          merged.add(wouldFail[i] ? partial.statuses().get(i) : check.statuses().get(i));
        }
        return new Result(domain, merged);
      });
    });
  }

  /**
   * Decides each item; {@code only}, if given, selects the items to acquire (others are decided
   * with 0 permits). {@code tag} null: do not count metrics (pre-checks).
   */
  private CompletableFuture<Result> all(@Nullable String tag, List<Item> items,
      List<Optional<RuleMatch>> matches, boolean @Nullable [] only) {
    List<CompletableFuture<Status>> futures = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      long hits = only == null || only[i] ? item.hits() : 0;
      futures.add(one(tag, item.descriptor(), hits, matches.get(i).orElse(null)));
    }
    String domain = tag == null ? "" : tag;
    return CompletableFuture.allOf(futures.toArray(CompletableFuture<?>[]::new)).thenApply(v -> {
      List<Status> out = new ArrayList<>(futures.size());
      for (CompletableFuture<Status> f : futures) {
        out.add(f.join());
      }
      return new Result(domain, out);
    });
  }

  private CompletableFuture<Status> one(@Nullable String tag, Descriptor d, long hits,
      @Nullable RuleMatch m) {
    if (m == null) {
      count(tag, null, Metrics.Outcome.NO_RULE);
      return CompletableFuture.completedFuture(
          new Status(d, false, null, null, 0, 0, 0, false, false));
    }
    if (m.unlimited()) {
      count(tag, m, Metrics.Outcome.UNLIMITED);
      return CompletableFuture.completedFuture(
          new Status(d, false, m, null, 0, 0, 0, false, true));
    }
    boolean shadow = m.shadowMode();
    if (m.deniesAll()) {
      RuleLimit zero = m.limits().stream().filter(RuleLimit::deniesAll).findFirst().orElseThrow();
      long period = zero.unit().micros() * zero.unitMultiplier();
      count(tag, m, shadow ? Metrics.Outcome.SHADOW_OVER_LIMIT : Metrics.Outcome.OVER_LIMIT);
      return CompletableFuture.completedFuture(
          new Status(d, !shadow, m, zero, 0, period, Long.MAX_VALUE, shadow, false));
    }
    List<Limit> limits = m.coreLimits();
    RateLimiter limiter = limiters.computeIfAbsent(
        new LimiterKey(limits, enforcement.eventual(m)),
        k -> RateLimiter.create(enforcement.backendFor(m), k.limits()));
    long start = System.nanoTime();
    return limiter.tryAcquireAsync(m.counterKey(), hits).toCompletableFuture().thenApply(dec -> {
      metrics.backendNanos(System.nanoTime() - start);
      if (dec.degraded()) {
        metrics.degraded(dec.reason(), m.metricKey());
      }
      RuleLimit rl = ruleLimit(m, dec);
      boolean over = !dec.allowed();
      if (over) {
        count(tag, m, shadow ? Metrics.Outcome.SHADOW_OVER_LIMIT : Metrics.Outcome.OVER_LIMIT);
      } else {
        count(tag, m, dec.remaining() * 10 < dec.limit().capacity()
            ? Metrics.Outcome.NEAR_LIMIT : Metrics.Outcome.OK);
      }
      return new Status(d, over && !shadow, m, rl, dec.remaining(), dec.resetAfterMicros(),
          dec.retryAfterMicros(), shadow, false);
    });
  }

  private static RuleLimit ruleLimit(RuleMatch m, Decision d) {
    for (RuleLimit l : m.limits()) {
      if (l.limit().isPresent() && l.limit().get().equals(d.limit())) {
        return l;
      }
    }
    return m.limits().get(0);
  }

  /**
   * Counts one decision under the match's envoy metric key: bounded by the rules, except where a
   * rule opts into {@code detailed_metric} (request values in the key, as envoy does).
   */
  private void count(@Nullable String tag, @Nullable RuleMatch m, Metrics.Outcome outcome) {
    if (tag != null) {
      metrics.decision(tag, m == null ? "" : m.metricKey(), outcome);
    }
  }
}
