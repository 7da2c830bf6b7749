package dev.sluice.server.cli;

import dev.sluice.rules.DescriptorRule;
import dev.sluice.rules.Domain;
import dev.sluice.rules.InvalidRulesException;
import dev.sluice.rules.RuleError;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice check [--merge-domains] PATH}: loads rules exactly as the service does, prints the
 * tree and a summary on stdout and exits 0; or prints every error on stderr and exits 1.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
        "Validate rate limit rules (envoy ratelimit YAML with Sluice extensions) and print them.",
        "Exits 0 when valid, 1 with every error on stderr when not."})
final class CheckCommand implements Callable<Integer> {

  @Option(
      names = "--merge-domains",
      description = "Merge files that declare the same domain instead of rejecting them"
          + " (also on when MERGE_DOMAIN_CONFIG=true, as in envoy).")
  boolean mergeDomains;

  @Parameters(
      paramLabel = "PATH",
      description = "A rules file, or a directory whose *.yaml and *.yml files are loaded.")
  Path path = Path.of(".");

  @Spec CommandSpec spec;

  private final Map<String, String> env;

  CheckCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RuleLoader loader = RuleLoader.fromEnvironment(env);
    if (mergeDomains) {
      loader = loader.mergeDomains(true);
    }
    List<Path> files;
    try {
      files = RuleLoader.ruleFiles(path);
    } catch (IOException e) {
      files = null; // the loader reports the same problem with its standard wording
    }
    if (files != null && files.isEmpty()) {
      err.println(path + ": no rule files (*.yaml, *.yml) found");
      return CommandLine.ExitCode.SOFTWARE;
    }
    RuleSet rules;
    try {
      rules = loader.load(path);
    } catch (InvalidRulesException e) {
      for (RuleError error : e.errors()) {
        err.println(error);
      }
      int n = e.errors().size();
      err.println("FAILED: " + n + (n == 1 ? " error" : " errors") + " in " + path);
      return CommandLine.ExitCode.SOFTWARE;
    }
    out.print(rules.render());
    out.println(summary(rules, files == null ? 0 : files.size(), loader.mergesDomains()));
    return CommandLine.ExitCode.OK;
  }

  static String summary(RuleSet rules, int files, boolean merging) {
    int descriptors = 0;
    int limits = 0;
    int routes = 0;
    for (Domain d : rules.domains()) {
      routes += d.routes().size();
      for (DescriptorRule r : d.descriptors()) {
        int[] counts = count(r);
        descriptors += counts[0];
        limits += counts[1];
      }
    }
    return "OK: " + plural(rules.domains().size(), "domain") + ", "
        + plural(descriptors, "descriptor") + ", " + plural(limits, "limit") + ", "
        + plural(routes, "route") + " in " + plural(files, "file")
        + (merging ? " (domains merged)" : "");
  }

  private static int[] count(DescriptorRule r) {
    int[] counts = {1, r.rateLimit().map(l -> l.limits().size()).orElse(0)};
    for (DescriptorRule child : r.descriptors()) {
      int[] c = count(child);
      counts[0] += c[0];
      counts[1] += c[1];
    }
    return counts;
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }
}
