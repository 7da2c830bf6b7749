package dev.sluice.server.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code sluice} command; does nothing itself but list its subcommands. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = SluiceCommand.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = "Rate limiting with envoy-compatible rules.",
    footer = {"", "sluice load (HTTP load at a constant rate) is its own jar, apart from the"
        + " service: bin/sluice load --help."})
final class SluiceCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** The command line with every subcommand; add new subcommands here. */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cli = new CommandLine(new SluiceCommand());
    cli.addSubcommand("check", new CheckCommand(env));
    cli.addSubcommand("serve", ServeCommand.commandLine(env));
    cli.addSubcommand("help", new CommandLine.HelpCommand());
    // arguments are never picocli argument files ("@FILE")
    cli.setExpandAtFiles(false);
    return cli;
  }

  /** Without a subcommand: show usage and fail as a usage error. */
  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    cli.getErr().println("sluice: missing command");
    cli.usage(cli.getErr());
    return CommandLine.ExitCode.USAGE;
  }

  /** The version from the jar's manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SluiceCommand.class.getPackage().getImplementationVersion();
      return new String[] {"sluice " + (v == null ? "development" : v)};
    }
  }
}
