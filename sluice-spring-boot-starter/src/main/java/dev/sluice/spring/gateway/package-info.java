/**
 * Sluice as Spring Cloud Gateway's {@code RequestRateLimiter} rate limiter: {@link
 * dev.sluice.spring.gateway.SluiceGatewayRateLimiter} and its auto-configuration.
 */
@NullMarked
package dev.sluice.spring.gateway;

import org.jspecify.annotations.NullMarked;
