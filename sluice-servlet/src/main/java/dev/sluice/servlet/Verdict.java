package dev.sluice.servlet;

import dev.sluice.Decision;
import dev.sluice.Limit;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The decisions taken for one request (plain limits, a handler's, each rule match), combined. */
final class Verdict {

  private final List<Decision> enforced = new ArrayList<>();
  private final List<Decision> shadow = new ArrayList<>();
  private final List<Limit> policies = new ArrayList<>();
  private boolean deniedOutright;

  /** Adds a decision that denies when it denies; {@code applied} are the limits behind it. */
  void add(Decision d, List<Limit> applied) {
    enforced.add(d);
    addPolicies(applied);
  }

  /** Adds a decision that is reported but never denies (a rule in shadow mode). */
  void addShadow(Decision d, List<Limit> applied) {
    shadow.add(d);
    addPolicies(applied);
  }

  /** Records a rule that denies every request ({@code requests_per_unit: 0}). */
  void denyOutright() {
    deniedOutright = true;
  }

  private void addPolicies(List<Limit> applied) {
    for (Limit l : applied) {
      if (!policies.contains(l)) {
        policies.add(l);
      }
    }
  }

  boolean allowed() {
    return !deniedOutright && enforced.stream().allMatch(Decision::allowed);
  }

  /**
   * The decision the headers describe: when denied, the denial with the longest wait; else the one
   * with the fewest permits left (shadow decisions only count when allowed). Null when nothing was
   * limited.
   */
  @Nullable Decision deciding() {
    Decision best = null;
    for (Decision d : enforced) {
      if (!d.allowed() && (best == null || d.retryAfterMicros() > best.retryAfterMicros())) {
        best = d;
      }
    }
    if (best != null) {
      return best;
    }
    List<Decision> all = new ArrayList<>(enforced);
    all.addAll(shadow);
    for (Decision d : all) {
      if (best == null || remaining(d) < remaining(best)) {
        best = d;
      }
    }
    return best;
  }

  private static long remaining(Decision d) {
    return d.allowed() ? d.remaining() : 0;
  }

  /** Every limit that applied, in order, without repeats. */
  List<Limit> policies() {
    return policies;
  }
}
