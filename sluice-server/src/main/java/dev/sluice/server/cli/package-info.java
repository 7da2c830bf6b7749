/**
 * The {@code sluice} command line (picocli): {@code sluice check} validates rules and prints their
 * tree. Start at {@link dev.sluice.server.cli.Main}; new subcommands ({@code serve}, {@code load})
 * are registered in one place, {@code SluiceCommand.commandLine}.
 */
@NullMarked
package dev.sluice.server.cli;

import org.jspecify.annotations.NullMarked;
