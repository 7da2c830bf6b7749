/**
 * What a storage backend implements: evaluate one key's limits atomically and answer with a
 * {@link dev.sluice.Decision}. Every backend must pass the contract suite in {@code sluice-testkit}.
 */
@NullMarked
package dev.sluice.spi;

import org.jspecify.annotations.NullMarked;
