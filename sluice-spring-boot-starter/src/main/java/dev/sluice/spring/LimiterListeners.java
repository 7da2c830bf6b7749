package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.LimiterListener;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;

/** Every {@link LimiterListener} bean of the context as one listener; none when there is none. */
final class LimiterListeners implements LimiterListener {

  private final List<LimiterListener> all;

  private LimiterListeners(List<LimiterListener> all) {
    this.all = all;
  }

  static @Nullable LimiterListener of(ObjectProvider<LimiterListener> beans) {
    List<LimiterListener> all = beans.orderedStream().toList();
    return all.isEmpty() ? null : all.size() == 1 ? all.get(0) : new LimiterListeners(all);
  }

  @Override
  public void onDecision(String limiter, long permits, Decision decision) {
    for (LimiterListener l : all) {
      l.onDecision(limiter, permits, decision);
    }
  }

  @Override
  public void onWait(String limiter, long waitedMicros, boolean granted) {
    for (LimiterListener l : all) {
      l.onWait(limiter, waitedMicros, granted);
    }
  }

  @Override
  public void onRefund(String limiter, long permits) {
    for (LimiterListener l : all) {
      l.onRefund(limiter, permits);
    }
  }

  @Override
  public void onReset(String limiter) {
    for (LimiterListener l : all) {
      l.onReset(limiter);
    }
  }
}
