package dev.sluice.micrometer;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopTimer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Counts what limiters decide in a Micrometer {@link MeterRegistry}: give it to every limiter to
 * watch with {@link RateLimiter.Builder#listener}. One instance serves any number of limiters,
 * told apart by their {@linkplain RateLimiter.Builder#name names}. Thread-safe.
 *
 * <pre>{@code
 * SluiceMetrics metrics = new SluiceMetrics(registry);
 * RateLimiter api = RateLimiter.builder(Limit.parseAll("10/second;1000/day"))
 *     .name("api").listener(metrics).build();
 * }</pre>
 *
 * <table>
 *   <caption>Meters (Prometheus names in brackets)</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>counts</th></tr>
 *   <tr><td>{@code sluice.decisions} ({@code sluice_decisions_total})</td><td>counter</td>
 *       <td>{@code limiter}, {@code limit}, {@code outcome}</td><td>decisions (calls, not
 *       permits), by the limit that decided ({@link Decision#limitName()}) and the outcome:
 *       {@code allowed}, {@code denied}, {@code degraded_allowed} or {@code degraded_denied}
 *       (the last two are {@linkplain Decision#degraded() degraded} answers, given without the
 *       limit's state)</td></tr>
 *   <tr><td>{@code sluice.degraded} ({@code sluice_degraded_total})</td><td>counter</td>
 *       <td>{@code limiter}, {@code reason}</td><td>degraded decisions by {@link
 *       Decision#reason()} in lower case: {@code store_full}, {@code backend_unavailable}; a
 *       degraded admission keeps the reason of the answer it came from ({@code within_limit}
 *       when Redis's local fallback had room)</td></tr>
 *   <tr><td>{@code sluice.waits} ({@code sluice_waits_seconds_*})</td><td>timer</td>
 *       <td>{@code limiter}, {@code granted}</td><td>callers of {@code acquire} that waited, and
 *       for how long; {@code granted="false"} when they gave up (interrupted, or the next wait
 *       would have exceeded what they accept)</td></tr>
 *   <tr><td>{@code sluice.refunded.permits} ({@code sluice_refunded_permits_total})</td>
 *       <td>counter</td><td>{@code limiter}</td><td>permits given back by {@code refund}</td></tr>
 *   <tr><td>{@code sluice.resets} ({@code sluice_resets_total})</td><td>counter</td>
 *       <td>{@code limiter}</td><td>keys forgotten by {@code reset}</td></tr>
 * </table>
 *
 * <p><b>Cardinality.</b> Tags come from configuration only: the limiter's name and the limits'
 * names. Keys are never tags, so the number of series is bounded by the limiters and limits an
 * application declares (four outcomes each, at most), however many clients it sees. Name
 * limiters after what they protect, not after who calls. The {@code allowed} and {@code denied}
 * series of a limit are registered, at zero, with its first decision; the others with their
 * first occurrence.
 *
 * <p><b>Cost.</b> Meters are resolved once per (limiter, limit, outcome) and cached: after that
 * a decision costs one hash lookup of the limiter's name, a scan by identity of its few limits
 * and a counter increment, and allocates nothing. A limiter without a listener pays nothing.
 *
 * <p>The in-memory store's own gauges are bound by {@link MemoryBackendMetrics}.
 */
public final class SluiceMetrics implements LimiterListener {

  /** Counter of decisions, tagged {@value #LIMITER}, {@value #LIMIT}, {@value #OUTCOME}. */
  public static final String DECISIONS = "sluice.decisions";
  /** Counter of degraded decisions, tagged {@value #LIMITER}, {@value #REASON}. */
  public static final String DEGRADED = "sluice.degraded";
  /** Timer of waits in {@code acquire}, tagged {@value #LIMITER}, {@value #GRANTED}. */
  public static final String WAITS = "sluice.waits";
  /** Counter of permits given back by {@code refund}, tagged {@value #LIMITER}. */
  public static final String REFUNDED_PERMITS = "sluice.refunded.permits";
  /** Counter of {@code reset} calls, tagged {@value #LIMITER}. */
  public static final String RESETS = "sluice.resets";

  /** Tag: the limiter's name. */
  public static final String LIMITER = "limiter";
  /** Tag: the deciding limit's name. */
  public static final String LIMIT = "limit";
  /** Tag: allowed, denied, degraded_allowed, degraded_denied. */
  public static final String OUTCOME = "outcome";
  /** Tag: a degraded decision's reason, in lower case. */
  public static final String REASON = "reason";
  /** Tag: whether a waiter got its permits, true or false. */
  public static final String GRANTED = "granted";

  private static final System.Logger LOG = System.getLogger(SluiceMetrics.class.getName());

  /** Outcome tag values, indexed by {@link #outcome(Decision)}. */
  private static final String[] OUTCOMES =
      {"allowed", "denied", "degraded_allowed", "degraded_denied"};
  private static final Decision.Reason[] REASONS = Decision.Reason.values();
  private static final String[] REASON_TAGS = Arrays.stream(REASONS)
      .map(r -> r.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
  /** Limit instances cached by identity per limiter; more (never seen in practice) go by name. */
  private static final int MAX_IDENTITIES = 32;

  private final MeterRegistry registry;
  private final Tags tags;
  private final ConcurrentHashMap<String, LimiterMeters> limiters = new ConcurrentHashMap<>();
  private final Function<String, LimiterMeters> newLimiter = LimiterMeters::new;

  /** Meters in {@code registry}. */
  public SluiceMetrics(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /** Meters in {@code registry}, each also carrying {@code tags} (e.g. the application). */
  public SluiceMetrics(MeterRegistry registry, Iterable<Tag> tags) {
    this.registry = Objects.requireNonNull(registry, "registry must not be null");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags must not be null"));
  }

  @Override
  public void onDecision(String limiter, long permits, Decision decision) {
    LimiterMeters m = meters(limiter);
    m.forLimit(decision.limit()).outcome(outcome(decision)).increment();
    if (decision.degraded()) {
      m.degraded(decision.reason()).increment();
    }
  }

  @Override
  public void onWait(String limiter, long waitedMicros, boolean granted) {
    meters(limiter).waits(granted).record(waitedMicros, TimeUnit.MICROSECONDS);
  }

  @Override
  public void onRefund(String limiter, long permits) {
    meters(limiter).refunded().increment(permits);
  }

  @Override
  public void onReset(String limiter) {
    meters(limiter).resets().increment();
  }

  /** The registry the meters are in. */
  public MeterRegistry registry() {
    return registry;
  }

  private LimiterMeters meters(String limiter) {
    LimiterMeters m = limiters.get(limiter);
    return m != null ? m : limiters.computeIfAbsent(limiter, newLimiter);
  }

  private static int outcome(Decision d) {
    return (d.allowed() ? 0 : 1) + (d.degraded() ? 2 : 0);
  }

  /**
   * Registers a counter; a registry that refuses (say, a Prometheus registry that already has the
   * name with other tag keys) leaves a no-op counter, logged once, since a listener must not throw.
   */
  private Counter counter(String name, String description, Tags tags) {
    Tags all = this.tags.and(tags);
    try {
      return Counter.builder(name).description(description).tags(all).register(registry);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot register meter " + name + all + ": " + e);
      return new NoopCounter(new Meter.Id(name, all, null, description, Meter.Type.COUNTER));
    }
  }

  private Timer timer(String name, String description, Tags tags) {
    Tags all = this.tags.and(tags);
    try {
      return Timer.builder(name).description(description).tags(all).register(registry);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot register meter " + name + all + ": " + e);
      return new NoopTimer(new Meter.Id(name, all, null, description, Meter.Type.TIMER));
    }
  }

  /** A limit instance and its meters. */
  private record Slot(Limit limit, LimitMeters meters) {}

  /** The meters of one limiter, created as they are first needed. */
  private final class LimiterMeters {
    private final String limiter;
    /** Copy-on-write: read without a lock on every decision. */
    private volatile Slot[] slots = new Slot[0];
    private final ConcurrentHashMap<String, LimitMeters> byName = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Counter> degraded =
        new AtomicReferenceArray<>(REASONS.length);
    private volatile @Nullable Timer granted;
    private volatile @Nullable Timer gaveUp;
    private volatile @Nullable Counter refunded;
    private volatile @Nullable Counter resets;

    LimiterMeters(String limiter) {
      this.limiter = limiter;
    }

    LimitMeters forLimit(Limit limit) {
      for (Slot s : slots) {
        if (s.limit == limit) {
          return s.meters;
        }
      }
      return remember(limit);
    }

    /** The meters of a limit instance not seen yet: by name, then cached by identity. */
    private LimitMeters remember(Limit limit) {
      LimitMeters m = byName.computeIfAbsent(limit.name(), n -> new LimitMeters(limiter, n));
      synchronized (this) {
        Slot[] s = slots;
        if (s.length < MAX_IDENTITIES) {
          for (Slot x : s) {
            if (x.limit == limit) {
              return m;
            }
          }
          Slot[] grown = Arrays.copyOf(s, s.length + 1);
          grown[s.length] = new Slot(limit, m);
          slots = grown;
        }
      }
      return m;
    }

    Counter degraded(Decision.Reason reason) {
      int i = reason.ordinal();
      Counter c = degraded.get(i);
      if (c == null) {
        c = counter(DEGRADED, "Decisions made without the limit's state (store full, backend"
            + " unavailable), by reason", Tags.of(LIMITER, limiter, REASON, REASON_TAGS[i]));
        degraded.set(i, c);
      }
      return c;
    }

    Timer waits(boolean wasGranted) {
      Timer t = wasGranted ? granted : gaveUp;
      if (t == null) {
        t = timer(WAITS, "Time callers of acquire waited for permits, by whether they got them",
            Tags.of(LIMITER, limiter, GRANTED, Boolean.toString(wasGranted)));
        if (wasGranted) {
          granted = t;
        } else {
          gaveUp = t;
        }
      }
      return t;
    }

    Counter refunded() {
      Counter c = refunded;
      if (c == null) {
        c = counter(REFUNDED_PERMITS, "Permits given back by refund", Tags.of(LIMITER, limiter));
        refunded = c;
      }
      return c;
    }

    Counter resets() {
      Counter c = resets;
      if (c == null) {
        c = counter(RESETS, "Keys forgotten by reset", Tags.of(LIMITER, limiter));
        resets = c;
      }
      return c;
    }
  }

  /**
   * The decision counters of one (limiter, limit): allowed and denied at once, degraded ones on
   * first use. Racing first uses register the same meter (the registry deduplicates).
   */
  private final class LimitMeters {
    private final String limiter;
    private final String limit;
    private final AtomicReferenceArray<Counter> outcomes =
        new AtomicReferenceArray<>(OUTCOMES.length);

    LimitMeters(String limiter, String limit) {
      this.limiter = limiter;
      this.limit = limit;
      outcome(0);
      outcome(1);
    }

    Counter outcome(int i) {
      Counter c = outcomes.get(i);
      if (c == null) {
        c = counter(DECISIONS, "Rate limit decisions by limiter, deciding limit and outcome",
            Tags.of(LIMITER, limiter, LIMIT, limit, OUTCOME, OUTCOMES[i]));
        outcomes.set(i, c);
      }
      return c;
    }
  }
}
