/**
 * Rate limiting for Jakarta Servlet 6 applications: {@link dev.sluice.servlet.SluiceFilter} works
 * out who the client is ({@link dev.sluice.http.TrustedProxies}, {@link
 * dev.sluice.http.KeyResolver}), applies plain limits, {@link dev.sluice.servlet.RateLimited}
 * handler limits and envoy-style rules, and answers 429 with rate limit headers in a configurable
 * {@link dev.sluice.http.HeaderStyle}.
 */
@NullMarked
package dev.sluice.servlet;

import org.jspecify.annotations.NullMarked;
