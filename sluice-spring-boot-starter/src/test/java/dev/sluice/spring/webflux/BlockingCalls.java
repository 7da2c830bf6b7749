package dev.sluice.spring.webflux;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * BlockHound for the reactive tests, installed once per JVM with the integrations on the class
 * path (Reactor's, Netty's, Spring's): a blocking call on a non-blocking thread (a Reactor Netty
 * event loop, a Reactor scheduler's, Lettuce's event loop) throws {@link BlockingOperationError}
 * there, as BlockHound always does, and is also recorded here, so that a test sees it even when
 * the error was turned into a 500 or swallowed by a callback.
 */
final class BlockingCalls {
  private static final List<String> SEEN = new CopyOnWriteArrayList<>();

  private BlockingCalls() {}

  /** Installs BlockHound (the first call does; later ones do nothing). */
  static void install() {
    BlockHound.builder()
        .loadIntegrations()
        .blockingMethodCallback(method -> {
          SEEN.add(method + " on " + Thread.currentThread().getName());
          throw new BlockingOperationError(method);
        })
        .install();
  }

  /** The blocking calls seen since the last {@link #clear()}, with their threads. */
  static List<String> seen() {
    return List.copyOf(SEEN);
  }

  static void clear() {
    SEEN.clear();
  }
}
