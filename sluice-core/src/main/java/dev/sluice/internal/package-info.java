/**
 * Implementation details: the pure algorithm transitions and the default limiter. Not an API;
 * anything here may change between releases.
 */
@NullMarked
package dev.sluice.internal;

import org.jspecify.annotations.NullMarked;
