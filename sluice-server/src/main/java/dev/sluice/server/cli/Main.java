package dev.sluice.server.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;

/**
 * Entry point of the {@code sluice} command line. Exit codes: 0 success, 1 failure (for {@code
 * check}: invalid rules), 2 wrong usage.
 */
public final class Main {

  private Main() {}

  /** Runs {@code sluice} with {@code args} and exits with its exit code. */
  public static void main(String[] args) {
    Charset console = Charset.defaultCharset();
    int code = run(args,
        new PrintWriter(new OutputStreamWriter(System.out, console), true),
        new PrintWriter(new OutputStreamWriter(System.err, console), true),
        System.getenv());
    System.exit(code);
  }

  /**
   * Runs {@code sluice} with {@code args}, writing to {@code out} and {@code err}, reading settings
   * such as {@code MERGE_DOMAIN_CONFIG} from {@code env}; returns the exit code.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
    Objects.requireNonNull(args, "args must not be null");
    CommandLine cli = SluiceCommand.commandLine(env);
    cli.setOut(out);
    cli.setErr(err);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }
}
