package dev.sluice.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the answers, reported by JMH next to the score as "allowed" and "denied" per second:
 * proof of the {@link Mix} each contender actually ran, and a consumer of every answer.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Admissions {
  public long allowed;
  public long denied;

  @Setup(Level.Iteration)
  public void reset() {
    allowed = 0;
    denied = 0;
  }

  /** Counts one answer. */
  public void record(boolean admitted) {
    if (admitted) {
      allowed++;
    } else {
      denied++;
    }
  }
}
