package dev.sluice.server;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every change made through the admin API: who (remote address and token fingerprint), what
 * (method, path, result) and when. Each entry is logged on the {@code sluice.audit} logger and the
 * last {@link #CAPACITY} are kept for {@code GET /v1/rules}. Refused attempts (no or wrong token)
 * are logged but not kept, so that unauthenticated clients cannot push real changes out of the
 * list. Thread-safe.
 */
final class AuditLog {

  /** How many entries are kept (the oldest are dropped first). */
  static final int CAPACITY = 100;

  private static final Logger log = LoggerFactory.getLogger("sluice.audit");

  /** One change: {@code status} is the HTTP status answered, {@code result} says what it did. */
  record Entry(Instant at, String remote, String token, String action, int status,
      String result) {}

  private final Clock clock;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();

  AuditLog(Clock clock) {
    this.clock = clock;
  }

  /** Records a change that was made (or validated and refused) with a good token. */
  void record(String remote, String token, String action, int status, String result) {
    Entry e = new Entry(clock.instant(), remote, token, action, status, result);
    synchronized (entries) {
      if (entries.size() == CAPACITY) {
        entries.removeFirst();
      }
      entries.addLast(e);
    }
    log.info("{} by {} (token {}): {} {}", action, remote, token, status, result);
  }

  /** Logs a write refused before it ran (no token configured, or a missing or wrong one). */
  void refused(String remote, String action, int status, String why) {
    log.warn("{} by {} refused: {} {}", action, remote, status, why);
  }

  /** The kept entries, oldest first. */
  List<Entry> entries() {
    synchronized (entries) {
      return List.copyOf(entries);
    }
  }
}
