package dev.sluice.spi;

import dev.sluice.Limit;
import java.util.List;

/**
 * Where limiter state lives (process memory, Redis...). A backend hands out one {@link
 * KeyedLimits} per set of limits; two sets never share state even for equal keys.
 */
public interface Backend extends AutoCloseable {

  /**
   * The evaluator for {@code limits} (non-empty, already validated by {@link Limit}). Keys of
   * different calls to this method are independent.
   */
  KeyedLimits open(List<Limit> limits);

  /** Releases connections and state; limiters opened from this backend stop working. */
  @Override
  void close();
}
