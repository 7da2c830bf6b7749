/**
 * Spring Boot auto-configuration for Sluice: a {@link dev.sluice.spi.Backend}, a {@link
 * dev.sluice.RateLimiter} and the {@link dev.sluice.servlet.SluiceFilter} from {@code sluice.*}
 * properties, plus {@link dev.sluice.servlet.RateLimited} on Spring MVC handlers.
 */
@NullMarked
package dev.sluice.spring;

import org.jspecify.annotations.NullMarked;
