/**
 * What every HTTP front end shares: the view of a request, path patterns, the client address
 * behind trusted proxies, and the rendering of rate limit headers.
 */
@NullMarked
package dev.sluice.http;

import org.jspecify.annotations.NullMarked;
