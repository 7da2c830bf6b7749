package dev.sluice.bench;

import java.util.Random;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The keys every contender is asked about: one hot key, or 100,000 keys visited in a fixed
 * shuffled order, so no contender benefits from keys (or their state) laid out in access order.
 */
@State(Scope.Benchmark)
public class Workload {

  /** How many distinct keys the calls go to. */
  @Param({"1", "100000"})
  public int keys;

  @Param({"ADMIT", "ADMIT_REFILLED", "DENY"})
  public Mix mix;

  /** The keys in creation order: "user:0", "user:1", ... */
  String[] keyNames;

  /** The order in which threads visit the keys: each key once per lap, shuffled with seed 42. */
  String[] visitOrder;

  @Setup(Level.Trial)
  public void createKeys() {
    keyNames = keyNames(keys);
    visitOrder = keyNames.clone();
    Random random = new Random(42);
    for (int i = visitOrder.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String t = visitOrder[i];
      visitOrder[i] = visitOrder[j];
      visitOrder[j] = t;
    }
  }

  /** {@code n} distinct keys "user:0" .. "user:(n-1)". */
  static String[] keyNames(int n) {
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = "user:" + i;
    }
    return names;
  }
}
