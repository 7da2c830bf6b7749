package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.internal.Compensation;
import java.util.List;
import java.util.concurrent.CompletionStage;

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

  /**
   * The evaluator for {@code limits} that replace {@code predecessor}'s (opened by this backend),
   * keeping what each key has used: a key without state under {@code limits} takes its state
   * under {@code predecessor} on its first touch, converted per algorithm and removed there, in
   * one atomic step. Limit i takes from the predecessor's limit i, and only when both have the
   * same algorithm (another algorithm starts fresh); what carries over per algorithm is in {@code
   * docs/algorithms.md} ("Changed limits"). The predecessor's states are looked for only while
   * they can matter (its longest period; two for a window algorithm, a full refill for a bucket);
   * a key that already has state under {@code limits} does not look.
   *
   * <p>The default opens {@code limits} afresh: every key starts from no state, as after a
   * restart. The memory, Redis and eventual backends carry the state over.
   */
  default KeyedLimits open(List<Limit> limits, KeyedLimits predecessor) {
    return open(limits);
  }

  /**
   * Takes every part's permits, or none: the request is admitted only if every part has room, and
   * a refusal leaves every part as it was. Each part's limits are themselves all-or-nothing, as in
   * {@link KeyedLimits#acquire}. Every part's {@link Part#limits()} must have been opened by this
   * backend.
   *
   * <p>Returns one decision per part, in the order given. The request was admitted exactly when
   * every decision is allowed; each then reports its part after taking the permits. When it was
   * refused, every part that has no room reports its denial for its permits (the exact {@code
   * retryAfter}: when that part would admit them if nothing else consumed), and every other part
   * reports its state without the permits, as a zero-permit {@link KeyedLimits#acquire} does.
   *
   * <p>The default is the compensating protocol, for stores that cannot evaluate several keys in
   * one atomic step: the parts are acquired one after another in a fixed order (by key, then by
   * the identity of their limits, so two requests over the same parts take them in the same order
   * and cannot keep refusing each other), the first refusal stops it, and the parts already taken
   * are refunded ({@link KeyedLimits#refund}), except a part a failure policy admitted ({@link
   * Decision#degraded()}): the store did not confirm taking it, and a refund could give away
   * permits that others hold. It never admits more than the limits allow, but
   * while a request holds permits it later gives back, another request can be refused for lack of
   * them (a brief under-admission); and if the process dies between an acquisition and its
   * refund, those permits stay taken until they refill or their window ends. Parts after the
   * refusing one are not acquired: they are checked with zero permits, and a part without room is
   * asked for its permits (a denial takes nothing; an admission that raced in is given back at
   * once) so that its denial is exact too. A backend that can do better overrides this (Redis:
   * one atomic script when the keys share a node).
   *
   * @throws IllegalArgumentException when {@code parts} is empty
   */
  default CompletionStage<List<Decision>> acquireAllAsync(List<Part> parts) {
    return Compensation.perPart(parts);
  }

  /** {@link #acquireAllAsync(List)}, waiting for the answer. */
  default List<Decision> acquireAll(List<Part> parts) {
    return acquireAllAsync(parts).toCompletableFuture().join();
  }

  /** Releases connections and state; limiters opened from this backend stop working. */
  @Override
  void close();
}
