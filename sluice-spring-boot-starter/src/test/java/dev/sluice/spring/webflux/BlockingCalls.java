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
        // A hold's id is 128 bits of SecureRandom (count-statuses holds the cost before the
        // handler). On Linux its NativePRNG mixes in bytes read from /dev/urandom with a plain
        // FileInputStream read: a read of the kernel's CSPRNG, which never waits once the kernel
        // is seeded at boot, not I/O on a device or the network. Allowed there and only there.
        .allowBlockingCallsInside("dev.sluice.internal.HoldIds", "next")
        // Netty 4.2's adaptive buffer allocator (which WebFlux encodes responses with) guards a
        // magazine with a StampedLock held for a few instructions; two threads allocating at
        // once (a handler's response on Reactor's parallel scheduler, say) may park for that
        // moment. Netty's own allocator, not Sluice's code and not I/O: allowed there only.
        // The JDK's timer queue (CompletableFuture.orTimeout's, which bounds every Redis call):
        // when a call completes on Lettuce's event loop, its timeout is cancelled and removed
        // from the queue under the queue's lock, held for a heap removal. Reactor's integration
        // allows offer and take there, not remove; BlockHound throwing from inside that lock's
        // acquisition leaves the lock's wait queue broken, and every later Redis call (and the
        // backend's close) then waits forever, so that the test hangs instead of failing.
        .allowBlockingCallsInside(
            "java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "remove")
        .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
        .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine",
            "allocate")
        .blockingMethodCallback(method -> {
          StringBuilder where = new StringBuilder();
          for (StackTraceElement e : new Throwable().getStackTrace()) {
            if (e.getClassName().startsWith("dev.sluice") && !e.getClassName().contains("Test")
                && !e.getClassName().endsWith("BlockingCalls")) {
              where.append(" < ").append(e.getClassName()).append('#').append(e.getMethodName());
              if (where.length() > 400) {
                break;
              }
            }
          }
          SEEN.add(method + " on " + Thread.currentThread().getName() + where);
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
