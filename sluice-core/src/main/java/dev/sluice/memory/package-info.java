/** The in-memory backend: exact, thread-safe, bounded and self-expiring. */
@NullMarked
package dev.sluice.memory;

import org.jspecify.annotations.NullMarked;
