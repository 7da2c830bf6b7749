/**
 * {@code sluice load} on the command line (picocli): {@link dev.sluice.load.cli.LoadMain} is the
 * main class of the executable {@code sluice-load-*-cli.jar}, which {@code bin/sluice load} runs.
 */
@NullMarked
package dev.sluice.load.cli;

import org.jspecify.annotations.NullMarked;
