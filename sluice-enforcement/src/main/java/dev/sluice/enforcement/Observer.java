package dev.sluice.enforcement;

import dev.sluice.Decision;
import dev.sluice.rules.RuleMatch;
import java.util.List;

/**
 * Hears what an {@link Enforcer} does, for metrics and logs. Called on the thread that completes a
 * decision; must not block. Every method does nothing unless overridden.
 */
public interface Observer {

  /** An observer that hears nothing. */
  Observer NONE = new Observer() {};

  /** One observer telling {@code observers} everything, in order. */
  static Observer all(Observer... observers) {
    List<Observer> all = List.of(observers);
    return new Observer() {
      @Override
      public void limiterCalled(RuleMatch match, Decision decision, long nanos) {
        all.forEach(o -> o.limiterCalled(match, decision, nanos));
      }

      @Override
      public void decided(String domain, Status status) {
        all.forEach(o -> o.decided(domain, status));
      }

      @Override
      public void shadowed(String domain, Verdict refused) {
        all.forEach(o -> o.shadowed(domain, refused));
      }
    };
  }

  /**
   * One call to a limiter for {@code match}, the all-or-nothing pre-checks included: how long the
   * backend took, and its decision (see {@link Decision#degraded()}).
   */
  default void limiterCalled(RuleMatch match, Decision decision, long nanos) {}

  /**
   * One descriptor decided (pre-checks excluded), in {@code domain}: the request's domain when
   * rules are loaded for it, else {@code "unknown"}, so that clients cannot grow the set of
   * domains a metric is tagged with.
   */
  default void decided(String domain, Status status) {}

  /**
   * A request its limits refused, admitted by global shadow mode (see {@link
   * Enforcer.Builder#globalShadow(boolean)}), in {@code domain} as for {@link #decided}.
   */
  default void shadowed(String domain, Verdict refused) {}
}
