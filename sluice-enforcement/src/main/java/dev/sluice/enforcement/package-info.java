/**
 * The enforcement layer every front end shares: a request's descriptors become decisions and
 * then one verdict (the deciding limit, shadow, unlimited, degraded), through one bounded
 * limiter cache.
 */
@NullMarked
package dev.sluice.enforcement;

import org.jspecify.annotations.NullMarked;
