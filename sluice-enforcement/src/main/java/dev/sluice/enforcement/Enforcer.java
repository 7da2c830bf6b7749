package dev.sluice.enforcement;

import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.DescriptorRule;
import dev.sluice.rules.Domain;
import dev.sluice.rules.RuleLimit;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one enforcement layer every front end uses: a request's descriptors (or the matches an HTTP
 * request's routes produced) are matched against the live rules ({@link RuleSet#matchAll}),
 * decided by one limiter per set of limits and mode ({@link LimiterCache}, on the backend {@link
 * ModeBackends} gives the mode), and combined into a {@link Verdict}: unlimited and unmatched
 * descriptors pass uncounted, a rule of {@code requests_per_unit: 0} refuses without a limiter,
 * shadow-mode rules count but never refuse.
 *
 * <p>Asynchronous: no call blocks the caller. When the rules change (a new {@link RuleSet} from
 * the supplier), the next decision first drops the limiters the new rules no longer reference.
 * Thread-safe.
 */
public final class Enforcer {

  /** How a request of several descriptors is counted. */
  public enum Counting {
    /**
     * As envoy: every descriptor is counted on its own and the request is over limit if any
     * descriptor is; a denied descriptor does not stop the others from counting.
     */
    EACH,
    /**
     * All or nothing: a request of several limited descriptors is first checked without consuming;
     * if any would be over limit, nothing is consumed (the failing descriptors are then asked for
     * their permits, which a denial does not take, for exact retry times). Concurrent requests can
     * still slip between the check and the count.
     */
    ALL_OR_NOTHING
  }

  private final Supplier<RuleSet> rules;
  private final ModeBackends backends;
  private final LimiterCache limiters;
  private final Observer observer;
  private volatile @Nullable RuleSet pruned;

  private Enforcer(Builder b) {
    this.rules = b.rules;
    this.backends = b.backends;
    this.observer = b.observer;
    LimiterCache.Factory factory = b.factory;
    this.limiters = new LimiterCache(b.maxLimiters, factory != null ? factory
        : k -> RateLimiter.create(backends.backendFor(k.eventual()), k.limits()));
  }

  /**
   * An enforcer of the rules {@code rules} supplies (read on every decision, so a reloading holder
   * can swap them), deciding on {@code backends}.
   */
  public static Builder builder(Supplier<RuleSet> rules, ModeBackends backends) {
    return new Builder(rules, backends);
  }

  /** The rules as they are now. */
  public RuleSet rules() {
    return rules.get();
  }

  /** The backends decisions are made on. */
  public ModeBackends backends() {
    return backends;
  }

  /** The limiters, one per set of limits and mode. */
  public LimiterCache limiters() {
    return limiters;
  }

  /**
   * Decides {@code items} in {@code domain}: each descriptor matched against the rules, then
   * counted as {@code counting} says.
   */
  public CompletableFuture<Verdict> decide(String domain, List<Item> items, Counting counting) {
    RuleSet set = current();
    List<Descriptor> descriptors = new ArrayList<>(items.size());
    items.forEach(i -> descriptors.add(i.descriptor()));
    return decide(set, domain, items, set.matchAll(domain, descriptors), counting);
  }

  /**
   * Decides matches already made (by an HTTP request's routes, see {@code dev.sluice.http.Routes}),
   * each for {@code hits} permits.
   */
  public CompletableFuture<Verdict> decideMatches(String domain, List<RuleMatch> matches,
      long hits, Counting counting) {
    List<Item> items = new ArrayList<>(matches.size());
    List<Optional<RuleMatch>> found = new ArrayList<>(matches.size());
    for (RuleMatch m : matches) {
      items.add(new Item(m.descriptor(), hits));
      found.add(Optional.of(m));
    }
    return decide(current(), domain, items, found, counting);
  }

  private CompletableFuture<Verdict> decide(RuleSet set, String domain, List<Item> items,
      List<Optional<RuleMatch>> matches, Counting counting) {
    String tag = set.domain(domain).isPresent() ? domain : "unknown";
    if (counting == Counting.ALL_OR_NOTHING && countLimited(matches) > 1) {
      return precheck(tag, items, matches);
    }
    return all(tag, items, matches, null);
  }

  /** The rules now, after dropping the limiters of rules that are gone if they changed. */
  private RuleSet current() {
    RuleSet set = rules.get();
    if (set != pruned) {
      prune(set);
    }
    return set;
  }

  private synchronized void prune(RuleSet set) {
    if (set == pruned) {
      return;
    }
    Set<LimiterCache.Key> live = new HashSet<>();
    for (Domain d : set.domains()) {
      for (DescriptorRule r : d.descriptors()) {
        collect(r, live);
      }
    }
    // A key may be a subset of a rule's limits (other descriptors' replaces took some away).
    limiters.retain(k -> {
      for (LimiterCache.Key l : live) {
        if (l.eventual() == k.eventual() && l.limits().containsAll(k.limits())) {
          return true;
        }
      }
      return false;
    });
    pruned = set;
  }

  private void collect(DescriptorRule rule, Set<LimiterCache.Key> live) {
    rule.rateLimit().ifPresent(rl -> {
      List<Limit> limits = new ArrayList<>();
      for (RuleLimit l : rl.limits()) {
        l.limit().ifPresent(limits::add);
      }
      if (!limits.isEmpty()) {
        live.add(new LimiterCache.Key(limits, backends.eventual(rule.consistency())));
      }
    });
    for (DescriptorRule child : rule.descriptors()) {
      collect(child, live);
    }
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
  private CompletableFuture<Verdict> precheck(String tag, List<Item> items,
      List<Optional<RuleMatch>> matches) {
    List<Item> zero = new ArrayList<>(items.size());
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
        List<Status> merged = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
          merged.add(wouldFail[i] ? partial.statuses().get(i) : check.statuses().get(i));
        }
        return Verdict.of(merged);
      });
    });
  }

  /**
   * Decides each item; {@code only}, if given, selects the items to acquire (others are decided
   * with 0 permits). {@code tag} null: a pre-check, not told to {@link Observer#decided}.
   */
  private CompletableFuture<Verdict> all(@Nullable String tag, List<Item> items,
      List<Optional<RuleMatch>> matches, boolean @Nullable [] only) {
    List<CompletableFuture<Status>> futures = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      long hits = only == null || only[i] ? item.hits() : 0;
      futures.add(one(tag, item.descriptor(), hits, matches.get(i).orElse(null)));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture<?>[]::new)).thenApply(v -> {
      List<Status> out = new ArrayList<>(futures.size());
      for (CompletableFuture<Status> f : futures) {
        out.add(f.join());
      }
      return Verdict.of(out);
    });
  }

  private CompletableFuture<Status> one(@Nullable String tag, Descriptor d, long hits,
      @Nullable RuleMatch m) {
    if (m == null) {
      return told(tag, Status.noRule(d));
    }
    if (m.unlimited()) {
      return told(tag, Status.unlimited(d, m));
    }
    if (m.deniesAll()) {
      return told(tag, Status.deniesAll(d, m));
    }
    RateLimiter limiter = limiters.get(m.coreLimits(), backends.eventual(m.consistency()));
    long start = System.nanoTime(); // latency metrics only, never a decision
    return limiter.tryAcquireAsync(m.counterKey(), hits).toCompletableFuture().thenApply(dec -> {
      observer.limiterCalled(m, dec, System.nanoTime() - start);
      Status s = Status.decided(d, m, dec);
      if (tag != null) {
        observer.decided(tag, s);
      }
      return s;
    });
  }

  private CompletableFuture<Status> told(@Nullable String tag, Status s) {
    if (tag != null) {
      observer.decided(tag, s);
    }
    return CompletableFuture.completedFuture(s);
  }

  /** Configures an {@link Enforcer}. */
  public static final class Builder {
    private final Supplier<RuleSet> rules;
    private final ModeBackends backends;
    private Observer observer = Observer.NONE;
    private int maxLimiters = LimiterCache.DEFAULT_MAX_SIZE;
    private LimiterCache.@Nullable Factory factory;

    private Builder(Supplier<RuleSet> rules, ModeBackends backends) {
      this.rules = Objects.requireNonNull(rules, "rules must not be null");
      this.backends = Objects.requireNonNull(backends, "backends must not be null");
    }

    /** Hears every decision (metrics); default none. */
    public Builder observer(Observer observer) {
      this.observer = Objects.requireNonNull(observer, "observer must not be null");
      return this;
    }

    /** The most limiters kept ({@link LimiterCache}); default {@value LimiterCache#DEFAULT_MAX_SIZE}. */
    public Builder maxLimiters(int maxLimiters) {
      if (maxLimiters <= 0) {
        throw new IllegalArgumentException("maxLimiters must be positive, was " + maxLimiters);
      }
      this.maxLimiters = maxLimiters;
      return this;
    }

    /**
     * How a limiter is built for a key (e.g. with a name and a listener); it must decide on
     * {@code backends().backendFor(key.eventual())}. Default: a plain limiter on that backend.
     */
    public Builder limiters(LimiterCache.Factory factory) {
      this.factory = Objects.requireNonNull(factory, "factory must not be null");
      return this;
    }

    public Enforcer build() {
      return new Enforcer(this);
    }
  }
}
