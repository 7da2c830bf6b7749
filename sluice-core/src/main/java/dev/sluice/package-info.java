/**
 * Sluice: exact rate limiting for the JVM.
 *
 * <p>Start at {@link dev.sluice.RateLimiter}: describe one or more {@link dev.sluice.Limit}s, pick a
 * backend (in memory, or Redis from {@code sluice-redis}) and call
 * {@link dev.sluice.RateLimiter#tryAcquire(String)} per request. Every answer is a {@link
 * dev.sluice.Decision}; a denial is a value, never an exception.
 */
@NullMarked
package dev.sluice;

import org.jspecify.annotations.NullMarked;
