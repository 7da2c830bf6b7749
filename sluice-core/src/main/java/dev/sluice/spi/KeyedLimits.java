package dev.sluice.spi;

import dev.sluice.Decision;
import java.util.concurrent.CompletionStage;

/**
 * One set of limits applied to many keys. Implementations evaluate every limit of a key in one
 * atomic step, all-or-nothing, and never over-admit.
 *
 * <p>Arguments arrive validated by the caller: a non-empty key and {@code permits >= 0}.
 */
public interface KeyedLimits {

  /** Evaluates and, if every limit admits, takes {@code permits} for {@code key}. */
  Decision acquire(String key, long permits);

  /** The same, without blocking on I/O. */
  CompletionStage<Decision> acquireAsync(String key, long permits);
}
