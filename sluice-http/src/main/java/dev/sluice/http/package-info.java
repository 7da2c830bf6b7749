/**
 * What every HTTP front end shares: the view of a request ({@link dev.sluice.http.RequestContext}),
 * path patterns ({@link dev.sluice.http.PathPattern}) and the rules' routes applied to requests
 * ({@link dev.sluice.http.Routes}), the client address behind trusted proxies ({@link
 * dev.sluice.http.TrustedProxies}) and the key a client is counted under ({@link
 * dev.sluice.http.KeyResolver}), and the rendering of rate limit headers ({@link
 * dev.sluice.http.RateLimitHeaders}) from a verdict of {@code sluice-enforcement}; and the one
 * per-request decision of an application's HTTP front ends ({@link dev.sluice.http.RequestLimiter}:
 * exemptions by {@link dev.sluice.http.AddressRanges} and paths, plain, handler ({@link
 * dev.sluice.http.HandlerLimits}) and rule limits, counting by {@link
 * dev.sluice.http.StatusCondition}), non-blocking.
 */
@NullMarked
package dev.sluice.http;

import org.jspecify.annotations.NullMarked;
