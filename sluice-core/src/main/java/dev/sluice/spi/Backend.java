package dev.sluice.spi;

import dev.sluice.Limit;
import java.util.List;

/**
 * Where limiter state lives (process memory, Redis...). A backend hands out one {@link
 * KeyedLimits} per set of limits.
 *
 * <p>State is identified by the key together with each limit's identity (algorithm, count,
 * period, burst, name). A store private to the process (memory) keeps every {@link #open} call
 * independent; a shared store (Redis) deliberately shares state between limiters with equal
 * limits and namespace — that is how several processes enforce one limit.
 */
public interface Backend extends AutoCloseable {

  /** The evaluator for {@code limits} (non-empty, each already validated by {@link Limit}). */
  KeyedLimits open(List<Limit> limits);

  /** Releases connections and state; limiters opened from this backend stop working. */
  @Override
  void close();
}
