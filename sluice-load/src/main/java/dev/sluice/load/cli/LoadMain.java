package dev.sluice.load.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Objects;
import picocli.CommandLine;

/**
 * Entry point of {@code sluice load} (the executable {@code sluice-load-*-cli.jar}; {@code
 * bin/sluice load ...} runs it). It lives apart from the service so that the service's jar carries
 * no load client and no chart library. Exit codes: 0 success, 1 no request got a response, 2
 * wrong usage.
 */
public final class LoadMain {

  private LoadMain() {}

  /** Runs {@code sluice load} with {@code args} and exits with its exit code. */
  public static void main(String[] args) {
    Charset console = Charset.defaultCharset();
    int code = run(args,
        new PrintWriter(new OutputStreamWriter(System.out, console), true),
        new PrintWriter(new OutputStreamWriter(System.err, console), true));
    System.exit(code);
  }

  /** Runs {@code sluice load} with {@code args}, writing to {@code out} and {@code err}. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Objects.requireNonNull(args, "args must not be null");
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new LoadCommand());
    cli.getCommandSpec().name("sluice load");
    // "@FILE" is data (--body @body.json), not one of picocli's argument files
    cli.setExpandAtFiles(false);
    // a bad value gets one line naming the option, not the whole usage
    cli.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("sluice load: " + ex.getMessage());
      c.getErr().println("Try 'sluice load --help' for the options.");
      return c.getCommandSpec().exitCodeOnInvalidInput();
    });
    return cli;
  }
}
