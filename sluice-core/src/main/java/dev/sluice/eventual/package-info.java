/**
 * The eventually consistent mode: {@link dev.sluice.eventual.EventualBackend} answers from local
 * state and reports hits to a global backend (Redis) in batches, trading a bounded overshoot for
 * decisions that never wait on the network. See {@code docs/distributed.md}.
 */
@NullMarked
package dev.sluice.eventual;

import org.jspecify.annotations.NullMarked;
