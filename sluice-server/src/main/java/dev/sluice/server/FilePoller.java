package dev.sluice.server;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the service watches files (the rules directory, the TLS certificate files): a
 * daemon thread runs a check every interval, after a first interval. A check that throws is
 * logged and the next one runs as planned. An operational timer, never an input of a decision.
 */
final class FilePoller implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FilePoller.class);

  private final ScheduledExecutorService thread;

  private FilePoller(ScheduledExecutorService thread) {
    this.thread = thread;
  }

  /**
   * Runs {@code check} every {@code interval} on a daemon thread named {@code name}; {@code what}
   * names the files in the log line of a failed check.
   */
  static FilePoller every(Duration interval, String name, String what, Runnable check) {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    long ms = interval.toMillis();
    s.scheduleWithFixedDelay(() -> {
      try {
        check.run();
      } catch (RuntimeException e) {
        log.warn("{} poll failed: {}", what, e.toString());
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
    return new FilePoller(s);
  }

  /** Stops checking (a check under way is interrupted). */
  @Override
  public void close() {
    thread.shutdownNow();
  }
}
