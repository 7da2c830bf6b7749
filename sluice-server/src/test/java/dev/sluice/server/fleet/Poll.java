package dev.sluice.server.fleet;

import java.time.Duration;

/** Polls a condition until it holds, or fails naming what it waited for. */
final class Poll {

  /** A condition that may throw (an instance not answering yet counts as false). */
  interface Condition {
    boolean holds() throws Exception;
  }

  private Poll() {}

  /** Polls every 20 ms, for at most 15 s. */
  static void until(String what, Condition c) throws InterruptedException {
    until(what, Duration.ofSeconds(15), c);
  }

  static void until(String what, Duration timeout, Condition c) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    for (;;) {
      try {
        if (c.holds()) {
          return;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
      }
      Thread.sleep(20);
    }
  }
}
