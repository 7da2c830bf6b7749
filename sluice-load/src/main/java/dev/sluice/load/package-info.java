/**
 * An open-model HTTP load generator, the engine of {@code sluice load}: {@link
 * dev.sluice.load.LoadTest} sends requests at a constant arrival rate
 * ({@link dev.sluice.load.Rate})
 * whatever the responses do, measures each latency from the time the request was scheduled (so a
 * stalled server shows as latency, not as fewer requests: no coordinated omission), and returns a
 * {@link dev.sluice.load.LoadReport} with the totals, exact percentiles and one row per second,
 * which it writes as CSV and as a PNG chart ({@link dev.sluice.load.LoadChart}, XChart).
 */
@NullMarked
package dev.sluice.load;

import org.jspecify.annotations.NullMarked;
