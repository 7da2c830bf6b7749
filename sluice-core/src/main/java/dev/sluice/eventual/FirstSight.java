package dev.sluice.eventual;

/**
 * How an {@link EventualBackend} answers a request for a key it has no fresh view of: a key it
 * holds no state for, or (with {@link #SYNC}) one whose last answer from the store is more than
 * two sync intervals old, as happens on an instance that sees the key only now and then.
 */
public enum FirstSight {
  /**
   * Assume an unknown key is fresh (the full capacity of its tightest limit) and trust an old view
   * as it is; answer locally, and the hits reach the global store at the next sync. No request
   * ever waits on the network, at a price in overshoot: an instance that sees a key rarely
   * decides on a view that is out of date, once per sighting (see docs/distributed.md).
   */
  LOCAL,
  /**
   * Ask the global store synchronously (one exact decision, counted there) and start from its
   * answer. The first request for a key, and the first after its view went stale, pays one round
   * trip; keys in steady use on an instance stay local. A key known to be denied is answered
   * locally until its retry time.
   */
  SYNC
}
