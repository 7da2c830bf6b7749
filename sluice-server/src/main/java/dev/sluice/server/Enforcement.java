package dev.sluice.server;

import dev.sluice.eventual.EventualBackend;
import dev.sluice.eventual.FirstSight;
import dev.sluice.redis.RedisBackend;
import dev.sluice.rules.Consistency;
import dev.sluice.rules.RuleMatch;
import dev.sluice.spi.Backend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends a rule can be enforced by: the shared backend itself (consistent mode) or an
 * {@link EventualBackend} over it (eventual mode), built on first use with the {@code
 * sync-interval}, {@code sync-batch} and {@code first-sight} settings. A rule's {@code consistency}
 * wins over the {@code mode} setting. With the memory backend every decision is already local and
 * exact, so eventual rules use it directly.
 */
final class Enforcement implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Enforcement.class);

  private final Backend shared;
  private final ServerConfig config;
  private final Metrics metrics;
  private volatile @Nullable EventualBackend eventual;
  private boolean closed;

  Enforcement(Backend shared, ServerConfig config, Metrics metrics) {
    this.shared = shared;
    this.config = config;
    this.metrics = metrics;
    if (config.mode() == Consistency.EVENTUAL) {
      if (shared instanceof RedisBackend) {
        eventualBackend(); // its metrics show from the start
      } else {
        log.info("mode eventual has no effect with the memory backend: decisions are local and"
            + " exact already");
      }
    }
  }

  /** The shared backend (Redis or memory). */
  Backend shared() {
    return shared;
  }

  /** Whether {@code match} is enforced in eventual mode (its rule's consistency, else the mode). */
  boolean eventual(RuleMatch match) {
    return match.consistency().map(c -> c == Consistency.EVENTUAL)
        .orElse(config.mode() == Consistency.EVENTUAL);
  }

  /** The backend deciding {@code match}. */
  Backend backendFor(RuleMatch match) {
    if (!eventual(match) || !(shared instanceof RedisBackend)) {
      return shared;
    }
    EventualBackend e = eventual;
    return e != null ? e : eventualBackend();
  }

  private synchronized EventualBackend eventualBackend() {
    EventualBackend e = eventual;
    if (e == null) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      e = EventualBackend.builder(shared)
          .syncInterval(config.syncInterval())
          .maxBatch(config.syncBatch())
          .firstSight(config.firstSightSync() ? FirstSight.SYNC : FirstSight.LOCAL)
          .build();
      metrics.eventual(e::counters);
      eventual = e;
      log.info("eventual mode: hits synced every {} ms (or per {} keys), first sight {}",
          config.syncInterval().toMillis(), config.syncBatch(), config.firstSightSync() ? "sync" : "local");
    }
    return e;
  }

  /** The eventual backend, if one was built. */
  @Nullable EventualBackend eventualIfBuilt() {
    return eventual;
  }

  /** Sends the pending hits (bounded wait), then closes the shared backend. */
  @Override
  public synchronized void close() {
    closed = true;
    EventualBackend e = eventual;
    if (e != null) {
      e.close();
    }
    shared.close();
  }
}
