/**
 * The alternative server stack for {@code sluice serve} (grpc-java's own Netty server plus the
 * JDK's HTTP server), serving the same no-op baselines as the Armeria server so that both stacks'
 * ceilings are measured side by side ({@code sluice-bench/server/altstack.sh},
 * {@code docs/server-benchmarks.md}).
 */
@NullMarked
package dev.sluice.bench.server;

import org.jspecify.annotations.NullMarked;
