package dev.sluice.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One thread's walk through {@link Workload#visitOrder}: an array load and a compare per call, the
 * same for every contender. Threads start evenly spaced, so with many keys they never meet on one.
 */
@State(Scope.Thread)
public class KeyCursor {
  private String[] order;
  private int next;

  @Setup(Level.Trial)
  public void start(Workload workload, ThreadParams thread) {
    order = workload.visitOrder;
    next = (int) ((long) thread.getThreadIndex() * order.length / thread.getThreadCount());
  }

  /** The key for the next call. */
  public String next() {
    String key = order[next];
    if (++next == order.length) {
      next = 0;
    }
    return key;
  }
}
