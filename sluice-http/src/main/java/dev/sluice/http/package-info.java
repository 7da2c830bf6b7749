/**
 * What every HTTP front end shares: the view of a request ({@link dev.sluice.http.RequestContext}),
 * path patterns ({@link dev.sluice.http.PathPattern}) and the rules' routes applied to requests
 * ({@link dev.sluice.http.Routes}), the client address behind trusted proxies ({@link
 * dev.sluice.http.TrustedProxies}) and the key a client is counted under ({@link
 * dev.sluice.http.KeyResolver}), and the rendering of rate limit headers ({@link
 * dev.sluice.http.RateLimitHeaders}) from a verdict of {@code sluice-enforcement}.
 */
@NullMarked
package dev.sluice.http;

import org.jspecify.annotations.NullMarked;
