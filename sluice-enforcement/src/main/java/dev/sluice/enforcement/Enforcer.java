package dev.sluice.enforcement;

import dev.sluice.Decision;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.Settlement;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.DescriptorRule;
import dev.sluice.rules.Domain;
import dev.sluice.rules.LimitOverride;
import dev.sluice.rules.RuleLimit;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one enforcement layer every front end uses: a request's descriptors (or the matches an HTTP
 * request's routes produced) are matched against the live rules ({@link RuleSet#matchAll}),
 * decided by one limiter per set of limits and mode ({@link LimiterCache}, on the backend {@link
 * ModeBackends} gives the mode), and combined into a {@link Verdict}: unlimited and unmatched
 * descriptors pass uncounted, a rule of {@code requests_per_unit: 0} refuses without a limiter,
 * shadow-mode rules count but never refuse; quota-mode rules (envoy's {@code quota_mode}, or every
 * rule in global quota mode) refuse only when all of the request's quota descriptors are over
 * their limits ({@link Verdict}). Several descriptors are counted each on its own or all or
 * nothing ({@link Counting}).
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
     * All or nothing: a request is admitted only if every descriptor has room, and a refusal
     * consumes nothing from any of them. The descriptors' limiters take their permits together
     * ({@link RateLimiter#tryAcquireAllAsync}): on Redis in one atomic script where the keys
     * share a node (a single server, Sentinel, or one Cluster slot), otherwise (Cluster slots,
     * the memory backend, eventual mode) one after another in a fixed order, what was taken given
     * back on a refusal, which never over-admits and may briefly under-admit (see {@code
     * docs/redis.md}). A refusing descriptor reports its exact retry time; the others report
     * their state without the request's hits. A rule denying every request ({@code
     * requests_per_unit: 0}) refuses without anything being taken. Shadow-mode descriptors never
     * refuse: they count the requests the others admit, and only report their state for a
     * refused one. Quota-mode descriptors are counted each on its own, as with {@link #EACH}:
     * they refuse only together ({@link Verdict}). Unlimited and unmatched descriptors pass
     * uncounted, as always.
     */
    ALL_OR_NOTHING
  }

  private final Supplier<RuleSet> rules;
  private final ModeBackends backends;
  private final LimiterCache limiters;
  private final Observer observer;
  private final boolean globalShadow;
  private final boolean globalQuota;
  private volatile @Nullable RuleSet pruned;

  private Enforcer(Builder b) {
    this.rules = b.rules;
    this.backends = b.backends;
    this.observer = b.observer;
    this.globalShadow = b.globalShadow;
    this.globalQuota = b.globalQuota;
    LimiterCache.Factory factory = b.factory;
    this.limiters = new LimiterCache(b.maxLimiters, factory != null ? factory
        : (k, predecessor) -> {
          RateLimiter.Builder limiter = RateLimiter.builder(k.limits())
              .backend(backends.backendFor(k.eventual()));
          return (predecessor != null ? limiter.predecessor(predecessor) : limiter).build();
        });
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
    return decide(domain, items, counting, false);
  }

  /**
   * {@link #decide(String, List, Counting)}; with {@code recordOverLimit}, every descriptor's hits
   * are counted even when over its limit, as for a rule with {@code record_over_limit} ({@link
   * RuleMatch#recordOverLimit()}): usage reported after the fact is never lost, and the answer is
   * still over the limit when it is.
   */
  public CompletableFuture<Verdict> decide(String domain, List<Item> items, Counting counting,
      boolean recordOverLimit) {
    RuleSet set = current();
    List<Descriptor> descriptors = new ArrayList<>(items.size());
    List<@Nullable LimitOverride> overrides = new ArrayList<>(items.size());
    for (Item i : items) {
      descriptors.add(i.descriptor());
      overrides.add(i.override());
    }
    return decide(set, domain, items, set.matchAll(domain, descriptors, overrides), counting,
        recordOverLimit);
  }

  /**
   * Decides matches already made (by an HTTP request's routes, see {@code dev.sluice.http.Routes}),
   * each for {@code hits} permits.
   */
  public CompletableFuture<Verdict> decideMatches(String domain, List<RuleMatch> matches,
      long hits, Counting counting) {
    return decideMatches(domain, matches, hits, counting, false);
  }

  /**
   * {@link #decideMatches(String, List, long, Counting)}; with {@code recordOverLimit} the hits are
   * counted even when over the limit, as in {@link #decide(String, List, Counting, boolean)}.
   */
  public CompletableFuture<Verdict> decideMatches(String domain, List<RuleMatch> matches,
      long hits, Counting counting, boolean recordOverLimit) {
    List<Item> items = new ArrayList<>(matches.size());
    List<Optional<RuleMatch>> found = new ArrayList<>(matches.size());
    for (RuleMatch m : matches) {
      items.add(new Item(m.descriptor(), hits));
      found.add(Optional.of(m));
    }
    return decide(current(), domain, items, found, counting, recordOverLimit);
  }

  private CompletableFuture<Verdict> decide(RuleSet set, String domain, List<Item> items,
      List<Optional<RuleMatch>> matches, Counting counting, boolean recordOverLimit) {
    String tag = set.domain(domain).isPresent() ? domain : "unknown";
    CompletableFuture<Verdict> v = counting == Counting.ALL_OR_NOTHING
        && together(matches, recordOverLimit)
        ? allOrNothing(tag, items, matches, recordOverLimit)
        : all(tag, items, matches, recordOverLimit);
    if (globalQuota) {
      v = v.thenApply(Verdict::asQuotas);
    }
    if (!globalShadow) {
      return v;
    }
    return v.thenApply(verdict -> verdict.overLimit() ? shadowed(tag, verdict) : verdict);
  }

  /**
   * What {@link #hold} got: the verdict on the estimate and, when admitted, the hold of each
   * counted descriptor, to settle with {@link #settle}.
   *
   * @param verdict the decision on the descriptors' hits (the estimate), as {@link #decide} gives
   * @param descriptors every descriptor of the request, in order (settling matches them again)
   * @param holdIds per descriptor, its hold id, or null where nothing is held (no rule, unlimited,
   *     a refusal)
   */
  public record Held(Verdict verdict, List<Descriptor> descriptors,
      List<@Nullable String> holdIds) {

    public Held {
      descriptors = List.copyOf(descriptors);
      holdIds = java.util.Collections.unmodifiableList(new ArrayList<>(holdIds));
    }

    /** Whether something is held (to settle). */
    public boolean held() {
      return holdIds.stream().anyMatch(Objects::nonNull);
    }
  }

  /**
   * Holds an estimate before the work: each descriptor's hits are taken under its rule as a
   * hold ({@link RateLimiter#hold}) for {@code timeout}. All or nothing: when a descriptor
   * refuses, the holds taken are released (settled at 0) and nothing is held; shadow-mode rules
   * hold but never refuse; unmatched and unlimited descriptors pass, holding nothing; a rule
   * denying every request refuses. A rule's {@code record_over_limit} does not apply: a hold is
   * asked before the work.
   */
  public CompletableFuture<Held> hold(String domain, List<Item> items, Duration timeout) {
    RuleSet set = current();
    String tag = set.domain(domain).isPresent() ? domain : "unknown";
    List<Descriptor> descriptors = new ArrayList<>(items.size());
    for (Item i : items) {
      descriptors.add(i.descriptor());
    }
    List<Optional<RuleMatch>> matches = set.matchAll(domain, descriptors);
    List<CompletableFuture<Hold>> holds = new ArrayList<>(items.size());
    Status[] out = new Status[items.size()];
    for (int i = 0; i < items.size(); i++) {
      Descriptor d = descriptors.get(i);
      RuleMatch m = matches.get(i).orElse(null);
      if (m == null || m.unlimited() || m.deniesAll()) {
        out[i] = m == null ? Status.noRule(d) : m.unlimited() ? Status.unlimited(d, m)
            : Status.deniesAll(d, m);
        holds.add(CompletableFuture.completedFuture(null));
        continue;
      }
      RateLimiter limiter = limiters.get(m.coreLimits(), backends.eventual(m.consistency()));
      int at = i;
      long start = System.nanoTime(); // latency metrics only, never a decision
      holds.add(limiter.holdAsync(m.counterKey(), items.get(i).hits(), timeout)
          .toCompletableFuture().thenApply(h -> {
            observer.limiterCalled(m, h.decision(), System.nanoTime() - start);
            out[at] = Status.decided(d, m, h.decision());
            return h;
          }));
    }
    return CompletableFuture.allOf(holds.toArray(CompletableFuture<?>[]::new)).thenCompose(x -> {
      Verdict verdict = Verdict.of(List.of(out));
      for (Status s : out) {
        observer.decided(tag, s);
      }
      boolean refused = verdict.overLimit();
      List<@Nullable String> ids = new ArrayList<>(out.length);
      List<CompletableFuture<?>> released = new ArrayList<>();
      for (int i = 0; i < out.length; i++) {
        Hold h = holds.get(i).join();
        if (h != null && h.held() && refused && !globalShadow) {
          RuleMatch m = matches.get(i).orElseThrow();
          int at = i;
          // its status tells the state after the release
          released.add(limiters.get(m.coreLimits(), backends.eventual(m.consistency()))
              .settleAsync(h.key(), Objects.requireNonNull(h.id()), 0).toCompletableFuture()
              .thenAccept(st -> out[at] = Status.decided(descriptors.get(at), m, st.decision())));
          ids.add(null);
        } else {
          ids.add(h != null ? h.id() : null);
        }
      }
      return CompletableFuture.allOf(released.toArray(CompletableFuture<?>[]::new))
          .thenApply(y -> {
            Verdict after = Verdict.of(List.of(out));
            return new Held(refused && globalShadow ? shadowed(tag, after) : after, descriptors,
                ids);
          });
    });
  }

  private Verdict shadowed(String tag, Verdict verdict) {
    observer.shadowed(tag, verdict);
    return verdict.shadowed();
  }

  /**
   * Settles what {@link #hold} held at {@code actual} permits per held descriptor (see {@link
   * RateLimiter#settle}): the descriptors are matched again against the rules now, each held one
   * settled under its rule's limiter. Per descriptor: its settlement, or empty where nothing was
   * held, or where its rule is gone or unlimited now (its hold is then not found: it expires at
   * its estimate).
   */
  public CompletableFuture<List<Optional<Settlement>>> settle(String domain,
      List<Descriptor> descriptors, List<@Nullable String> holdIds, long actual) {
    if (descriptors.size() != holdIds.size()) {
      throw new IllegalArgumentException("one hold id (or null) per descriptor");
    }
    List<Optional<RuleMatch>> matches = current().matchAll(domain, descriptors);
    List<CompletableFuture<Optional<Settlement>>> settled = new ArrayList<>();
    for (int i = 0; i < descriptors.size(); i++) {
      String id = holdIds.get(i);
      RuleMatch m = matches.get(i).orElse(null);
      if (id == null || m == null || m.unlimited() || m.deniesAll()) {
        settled.add(CompletableFuture.completedFuture(Optional.empty()));
        continue;
      }
      settled.add(limiters.get(m.coreLimits(), backends.eventual(m.consistency()))
          .settleAsync(m.counterKey(), id, actual).toCompletableFuture().thenApply(Optional::of));
    }
    return CompletableFuture.allOf(settled.toArray(CompletableFuture<?>[]::new))
        .thenApply(x -> settled.stream().map(CompletableFuture::join).toList());
  }

  /** Whether {@code m}'s hits are counted even when over its limit. */
  private static boolean records(@Nullable RuleMatch m, boolean recordOverLimit) {
    return m != null && (recordOverLimit || m.recordOverLimit());
  }

  /**
   * Whether {@code m}'s descriptor is counted on its own under all-or-nothing: recorded past its
   * limit, or a quota (which refuses only together with the request's other quotas).
   */
  private boolean alone(RuleMatch m, boolean recordOverLimit) {
    return records(m, recordOverLimit) || globalQuota || m.quotaMode();
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
    Map<String, LimiterCache.Key> rules = limitsByRule(set);
    RuleSet before = pruned;
    if (before != null) { // a rule whose limits changed: its new limiter takes over the old one's keys
      Map<String, LimiterCache.Key> old = limitsByRule(before);
      rules.forEach((rule, key) -> {
        LimiterCache.Key previous = old.get(rule);
        if (previous != null && !previous.equals(key) && previous.eventual() == key.eventual()) {
          limiters.succeed(key, previous);
        }
      });
    }
    Set<LimiterCache.Key> live = new HashSet<>(rules.values());
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

  /**
   * The limiter key of every rule of {@code set} that counts, by the rule's identity: its domain
   * and the path of descriptor keys (and values) leading to it.
   */
  private Map<String, LimiterCache.Key> limitsByRule(RuleSet set) {
    Map<String, LimiterCache.Key> out = new HashMap<>();
    for (Domain d : set.domains()) {
      for (DescriptorRule r : d.descriptors()) {
        collect(r, d.name(), out);
      }
    }
    return out;
  }

  private void collect(DescriptorRule rule, String parent, Map<String, LimiterCache.Key> out) {
    String path = parent + '\u0000' + rule.key() + '=' + rule.value().orElse("\u0000");
    rule.rateLimit().ifPresent(rl -> {
      List<Limit> limits = new ArrayList<>();
      for (RuleLimit l : rl.limits()) {
        l.limit().ifPresent(limits::add);
      }
      if (!limits.isEmpty()) {
        out.put(path, new LimiterCache.Key(limits, backends.eventual(rule.consistency())));
      }
    });
    for (DescriptorRule child : rule.descriptors()) {
      collect(child, path, out);
    }
  }

  /** A descriptor counted under its rule's limits: enforced, or in shadow mode. */
  private static boolean counted(Optional<RuleMatch> m) {
    return m.isPresent() && !m.get().unlimited() && !m.get().deniesAll();
  }

  /**
   * Whether all-or-nothing needs more than deciding each item on its own. Descriptors counted
   * past their limit are recorded on their own, whatever the others say, and quotas are counted
   * on their own: they never take part.
   */
  private boolean together(List<Optional<RuleMatch>> matches, boolean recordOverLimit) {
    int enforced = 0;
    boolean shadow = false;
    for (Optional<RuleMatch> m : matches) {
      if (m.isPresent() && !m.get().unlimited() && !alone(m.get(), recordOverLimit)) {
        if (m.get().shadowMode()) {
          shadow |= !m.get().deniesAll();
        } else {
          enforced++;
        }
      }
    }
    return enforced > 1 || (enforced == 1 && shadow);
  }

  /**
   * All or nothing: the enforced descriptors are acquired together ({@link
   * RateLimiter#tryAcquireAllAsync}: one atomic step where the backend can, else the compensating
   * protocol), so a refusal takes nothing from any of them; a rule denying every request refuses
   * without acquiring anything. Shadow-mode descriptors never refuse: they count the requests the
   * enforced ones admit (each on its own, after them) and report their state, without counting,
   * for a refused request. Descriptors counted past their limit (record_over_limit) are recorded
   * on their own, after them, whether the request was admitted or not: the usage happened.
   * Quota-mode descriptors are counted each on its own too, as envoy counts them.
   */
  private CompletableFuture<Verdict> allOrNothing(String tag, List<Item> items,
      List<Optional<RuleMatch>> matches, boolean recordOverLimit) {
    int n = items.size();
    boolean deniedByRule = false;
    List<Integer> enforced = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Optional<RuleMatch> m = matches.get(i);
      if (m.isPresent() && !m.get().unlimited() && !m.get().shadowMode()
          && !alone(m.get(), recordOverLimit)) {
        if (m.get().deniesAll()) {
          deniedByRule = true;
        } else {
          enforced.add(i);
        }
      }
    }
    Status[] out = new Status[n];
    CompletableFuture<Boolean> admitted;
    if (deniedByRule) {
      admitted = CompletableFuture.completedFuture(false);
    } else if (enforced.size() == 1) {
      int i = enforced.get(0);
      admitted = one(null, items.get(i).descriptor(), items.get(i).hits(),
          matches.get(i).orElseThrow(), false).thenApply(s -> {
            out[i] = s;
            return s.allowed();
          });
    } else {
      admitted = acquireAll(items, matches, enforced, out);
    }
    return admitted.thenCompose(all -> {
      List<CompletableFuture<Status>> rest = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (out[i] != null) {
          continue;
        }
        Item item = items.get(i);
        Optional<RuleMatch> m = matches.get(i);
        // shadow parts count an admitted request, recorded parts and quotas any request;
        // whatever else counts is only checked here
        boolean record = records(m.orElse(null), recordOverLimit);
        long hits = !counted(m) || (m.isPresent() && alone(m.get(), recordOverLimit))
            || (all && m.get().shadowMode()) ? item.hits() : 0;
        int at = i;
        rest.add(one(null, item.descriptor(), hits, m.orElse(null), record)
            .thenApply(s -> out[at] = s));
      }
      return CompletableFuture.allOf(rest.toArray(CompletableFuture<?>[]::new)).thenApply(v -> {
        for (Status s : out) {
          observer.decided(tag, s);
        }
        return Verdict.of(List.of(out));
      });
    });
  }

  /** The enforced items acquired together; fills their statuses, completes with admitted. */
  private CompletableFuture<Boolean> acquireAll(List<Item> items,
      List<Optional<RuleMatch>> matches, List<Integer> enforced, Status[] out) {
    List<RateLimiter.Acquisition> parts = new ArrayList<>(enforced.size());
    for (int i : enforced) {
      RuleMatch m = matches.get(i).orElseThrow();
      parts.add(new RateLimiter.Acquisition(
          limiters.get(m.coreLimits(), backends.eventual(m.consistency())), m.counterKey(),
          items.get(i).hits()));
    }
    long start = System.nanoTime(); // latency metrics only, never a decision
    return RateLimiter.tryAcquireAllAsync(parts).toCompletableFuture().thenApply(ds -> {
      long nanos = System.nanoTime() - start;
      boolean all = true;
      for (int j = 0; j < ds.size(); j++) {
        int i = enforced.get(j);
        RuleMatch m = matches.get(i).orElseThrow();
        Decision d = ds.get(j);
        observer.limiterCalled(m, d, nanos);
        out[i] = Status.decided(items.get(i).descriptor(), m, d);
        all &= d.allowed();
      }
      return all;
    });
  }

  /** Decides each item on its own, telling the observer of each. */
  private CompletableFuture<Verdict> all(String tag, List<Item> items,
      List<Optional<RuleMatch>> matches, boolean recordOverLimit) {
    List<CompletableFuture<Status>> futures = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      RuleMatch m = matches.get(i).orElse(null);
      futures.add(one(tag, item.descriptor(), item.hits(), m, records(m, recordOverLimit)));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture<?>[]::new)).thenApply(v -> {
      List<Status> out = new ArrayList<>(futures.size());
      for (CompletableFuture<Status> f : futures) {
        out.add(f.join());
      }
      return Verdict.of(out);
    });
  }

  /**
   * One item decided ({@code record}: its hits counted even when over the limit); {@code tag}
   * null: told to the observer by the caller.
   */
  private CompletableFuture<Status> one(@Nullable String tag, Descriptor d, long hits,
      @Nullable RuleMatch m, boolean record) {
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
    CompletionStage<Decision> decided = record ? limiter.recordAsync(m.counterKey(), hits)
        : limiter.tryAcquireAsync(m.counterKey(), hits);
    return decided.toCompletableFuture().thenApply(dec -> {
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
    private boolean globalShadow;
    private boolean globalQuota;
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

    /**
     * Global shadow mode (envoy's {@code SHADOW_MODE}): every decision is made and counted as
     * usual, but a request its limits refuse is answered as admitted ({@link Verdict#shadowed()})
     * and told to the observer ({@link Observer#shadowed}); default off.
     */
    public Builder globalShadow(boolean on) {
      this.globalShadow = on;
      return this;
    }

    /**
     * Global quota mode (envoy's {@code QUOTA_MODE}): every descriptor is a quota ({@link
     * Verdict#asQuotas()}), so a request is refused only when all its descriptors that are not
     * unlimited are over their limits; each is counted on its own; default off.
     */
    public Builder globalQuota(boolean on) {
      this.globalQuota = on;
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
