package dev.sluice.spring;

import dev.sluice.LimiterListener;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Every {@link LimiterListener} bean of the context as one listener; none when there is none. For
 * the starter's configurations of every web stack.
 */
public final class LimiterListeners {
  private LimiterListeners() {}

  /** The listener beans, in their order, as one; null when there is none. */
  public static @Nullable LimiterListener of(ObjectProvider<LimiterListener> beans) {
    List<LimiterListener> all = beans.orderedStream().toList();
    return all.isEmpty() ? null : LimiterListener.all(all);
  }
}
