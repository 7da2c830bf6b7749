/**
 * Measurements of one service instance's limiter in both distributed modes against a real Redis:
 * decisions per second and Redis commands per 1000 decisions, eventual vs consistent, in the same
 * run (docs/distributed.md).
 */
@NullMarked
package dev.sluice.bench.fleet;

import org.jspecify.annotations.NullMarked;
