/**
 * The Sluice rate limit service: {@link dev.sluice.server.SluiceServer} serves envoy's {@code
 * RateLimitService} over gRPC, envoy's {@code /json} and Sluice's {@code /v1/check} over HTTP,
 * the rules admin API, health and Prometheus metrics, from one Armeria server configured by
 * {@link dev.sluice.server.ServerConfig}.
 */
@NullMarked
package dev.sluice.server;

import org.jspecify.annotations.NullMarked;
