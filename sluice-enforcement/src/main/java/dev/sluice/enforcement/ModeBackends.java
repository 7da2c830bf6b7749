package dev.sluice.enforcement;

import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Consistency;
import dev.sluice.spi.Backend;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends a rule can be enforced by: the shared backend itself (consistent mode) or an
 * {@link EventualBackend} over it (eventual mode: decided locally, hits synced in batches), built
 * on first use. A rule's {@code consistency} wins over the default mode. With a {@link
 * MemoryBackend} every decision is already local and exact, so eventual rules use it directly.
 * Thread-safe.
 */
public final class ModeBackends implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ModeBackends.class);

  /**
   * How eventual mode syncs with the shared backend.
   *
   * @param syncInterval how often each instance sends its hits
   * @param syncBatch pending keys that trigger a sync before the interval ends
   * @param firstSight what a key's first decision on an instance does
   */
  public record Eventual(Duration syncInterval, int syncBatch, FirstSight firstSight) {
    public Eventual {
      Objects.requireNonNull(syncInterval, "syncInterval must not be null");
      Objects.requireNonNull(firstSight, "firstSight must not be null");
    }
  }

  private final Backend shared;
  private final Consistency mode;
  private final @Nullable Eventual settings;
  private final Consumer<Supplier<EventualBackend.Counters>> onEventual;
  private final boolean ownsShared;
  private volatile @Nullable EventualBackend eventual;
  private boolean closed;

  private ModeBackends(Backend shared, Consistency mode, @Nullable Eventual settings,
      Consumer<Supplier<EventualBackend.Counters>> onEventual, boolean ownsShared) {
    this.shared = Objects.requireNonNull(shared, "shared backend must not be null");
    this.mode = Objects.requireNonNull(mode, "mode must not be null");
    this.settings = settings;
    this.onEventual = onEventual;
    this.ownsShared = ownsShared;
    if (settings != null && mode == Consistency.EVENTUAL) {
      if (local()) {
        log.info("mode eventual has no effect with the memory backend: decisions are local and"
            + " exact already");
      } else {
        eventualBackend(); // its metrics show from the start
      }
    }
  }

  /**
   * Every rule decided by {@code shared}, whatever its {@code consistency} says (a front end
   * without eventual mode); closing closes {@code shared} only when {@code owned}.
   */
  public static ModeBackends consistent(Backend shared, boolean owned) {
    return new ModeBackends(shared, Consistency.CONSISTENT, null, c -> { }, owned);
  }

  /**
   * Rules decided in {@code mode} unless their {@code consistency} says otherwise, eventual ones by
   * an {@link EventualBackend} over {@code shared} built with {@code eventual}; {@code onEventual}
   * hears of its counters once it is built. Closing closes {@code shared}.
   */
  public static ModeBackends of(Backend shared, Consistency mode, Eventual eventual,
      Consumer<Supplier<EventualBackend.Counters>> onEventual) {
    return new ModeBackends(shared, mode, Objects.requireNonNull(eventual, "eventual"),
        Objects.requireNonNull(onEventual, "onEventual"), true);
  }

  /** The shared backend (Redis or memory). */
  public Backend shared() {
    return shared;
  }

  /** The mode of rules that do not say. */
  public Consistency mode() {
    return mode;
  }

  /**
   * Whether a rule of this {@code consistency} is enforced in eventual mode; never for {@link
   * #consistent(Backend, boolean)}.
   */
  public boolean eventual(Optional<Consistency> consistency) {
    return settings != null && consistency.orElse(mode) == Consistency.EVENTUAL;
  }

  /** The backend deciding a rule in the given mode. */
  public Backend backendFor(boolean eventualMode) {
    if (!eventualMode || settings == null || local()) {
      return shared;
    }
    EventualBackend e = eventual;
    return e != null ? e : eventualBackend();
  }

  private boolean local() {
    return shared instanceof MemoryBackend;
  }

  private synchronized EventualBackend eventualBackend() {
    EventualBackend e = eventual;
    if (e == null) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      Eventual s = Objects.requireNonNull(settings);
      e = EventualBackend.builder(shared)
          .syncInterval(s.syncInterval())
          .maxBatch(s.syncBatch())
          .firstSight(s.firstSight())
          .build();
      onEventual.accept(e::counters);
      eventual = e;
      log.info("eventual mode: hits synced every {} ms (or per {} keys), first sight {}",
          s.syncInterval().toMillis(), s.syncBatch(),
          s.firstSight() == FirstSight.SYNC ? "sync" : "local");
    }
    return e;
  }

  /** The eventual backend, if one was built. */
  public @Nullable EventualBackend eventualIfBuilt() {
    return eventual;
  }

  /** Sends the pending hits (bounded wait), then closes the shared backend if owned. */
  @Override
  public synchronized void close() {
    closed = true;
    EventualBackend e = eventual;
    if (e != null) {
      e.close();
    }
    if (ownsShared) {
      shared.close();
    }
  }
}
