package dev.sluice.spring;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs the failures of key parts computed by code (a {@link RequestKeyResolver} that throws, an
 * expression that cannot be evaluated): a warning with the stack trace the first time a part fails
 * with an exception type, then at debug level, so a failing resolver cannot flood the log.
 */
final class KeyFailures {

  private static final Log LOG = LogFactory.getLog(KeyFailures.class);

  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /** Reports that {@code part} failed with {@code e}; {@code then} says what happens instead. */
  void failed(String part, RuntimeException e, String then) {
    if (seen.add(part + " " + e.getClass().getName())) {
      LOG.warn("Sluice key part " + part + " failed with " + e + "; " + then + ". Further "
          + e.getClass().getSimpleName() + "s of this part are logged at debug level.", e);
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("Sluice key part " + part + " failed; " + then, e);
    }
  }
}
