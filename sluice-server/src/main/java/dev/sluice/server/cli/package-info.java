/**
 * The {@code sluice} command line (picocli): {@code sluice check} validates rules and prints their
 * tree; {@code sluice serve} runs the rate limit service ({@link dev.sluice.server.SluiceServer}).
 * {@code sluice load} is not here: it is its own executable jar in sluice-load, so the service
 * carries no load client.
 * Start at {@link dev.sluice.server.cli.Main}; subcommands are registered in one place, {@code
 * SluiceCommand.commandLine}.
 */
@NullMarked
package dev.sluice.server.cli;

import org.jspecify.annotations.NullMarked;
