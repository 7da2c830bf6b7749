/**
 * Micrometer metrics for Sluice: {@link dev.sluice.micrometer.SluiceMetrics}, a {@link
 * dev.sluice.LimiterListener} counting decisions, degraded answers, waits, refunds and resets by
 * limiter and limit, and {@link dev.sluice.micrometer.MemoryBackendMetrics}, the gauges of an
 * in-memory store.
 */
@NullMarked
package dev.sluice.micrometer;

import org.jspecify.annotations.NullMarked;
