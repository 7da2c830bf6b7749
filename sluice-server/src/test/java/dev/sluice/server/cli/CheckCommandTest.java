package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice check} run in process: exit code, stdout and stderr. */
class CheckCommandTest {

  static final String CLI = "src/test/resources/cli/";

  static final String VALID_TREE =
      "domain api  (" + CLI + "valid/api.yaml)\n"
          + "  user: 10/second TOKEN_BUCKET burst 20; 1000/day FIXED_WINDOW\n"
          + "  path=/admin*: 30/minute FIXED_WINDOW  [shadow_mode, share_threshold]\n"
          + "  route GET /api/**\n"
          + "    descriptor: request_headers(x-user) -> user\n"
          + "domain edge_proxy_per_ip  (" + CLI + "valid/nested/edge.yaml)\n"
          + "  remote_address: 10/second FIXED_WINDOW\n"
          + "  remote_address=50.0.0.5: 0/second FIXED_WINDOW (denies all)\n"
          + "OK: 2 domains, 4 descriptors, 5 limits, 1 route in 2 files\n";

  static final String INVALID_ERRORS =
      CLI + "invalid/bad.yaml:5:13: api > user > rate_limit: invalid rate limit unit"
          + " 'fortnight'; use one of second, minute, hour, day, week, month, year\n"
          + CLI + "invalid/bad.yaml:7:5: api > user: duplicate descriptor composite key"
          + " 'api.user' (first at line 3)\n"
          + CLI + "invalid/bad.yaml:8:5: api > user: config error, unknown key 'ratelimit';"
          + " did you mean 'rate_limit'?\n"
          + "FAILED: 3 errors in " + CLI + "invalid\n";

  record Result(int code, String out, String err) {}

  static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err), env);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void aValidDirectoryPrintsTheTreeAndExitsZero() {
    Result r = run(Map.of(), "check", CLI + "valid");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo(VALID_TREE);
    assertThat(r.code()).isZero();
  }

  @Test
  void invalidRulesPrintEveryErrorOnStderrAndExitOne() {
    Result r = run(Map.of(), "check", CLI + "invalid");
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo(INVALID_ERRORS);
    assertThat(r.code()).isEqualTo(1);
  }

  @Test
  void aDomainInTwoFilesNeedsMerging() {
    Result rejected = run(Map.of(), "check", CLI + "duplicate");
    assertThat(rejected.code()).isEqualTo(1);
    assertThat(rejected.err()).isEqualTo(CLI + "duplicate/b.yaml:1:9: domain: duplicate domain"
        + " 'shared' in config file (first in " + CLI + "duplicate/a.yaml); to merge the files of"
        + " one domain use --merge-domains or MERGE_DOMAIN_CONFIG=true\n"
        + "FAILED: 1 error in " + CLI + "duplicate\n");

    String merged = "domain shared  (" + CLI + "duplicate/a.yaml, " + CLI + "duplicate/b.yaml)\n"
        + "  a: 1/second FIXED_WINDOW\n"
        + "  b: 2/minute FIXED_WINDOW\n"
        + "OK: 1 domain, 2 descriptors, 2 limits, 0 routes in 2 files (domains merged)\n";
    Result flag = run(Map.of(), "check", "--merge-domains", CLI + "duplicate");
    assertThat(flag.out()).isEqualTo(merged);
    assertThat(flag.code()).isZero();
    Result env = run(Map.of("MERGE_DOMAIN_CONFIG", "true"), "check", CLI + "duplicate");
    assertThat(env.out()).isEqualTo(merged);
    assertThat(env.code()).isZero();
  }

  @Test
  void aSingleFileCanBeChecked() {
    Result r = run(Map.of(), "check", CLI + "valid/nested/edge.yaml");
    assertThat(r.out()).endsWith("OK: 1 domain, 2 descriptors, 2 limits, 0 routes in 1 file\n");
    assertThat(r.code()).isZero();
  }

  @Test
  void missingOrEmptyPathsFail(@TempDir Path empty) throws IOException {
    Result missing = run(Map.of(), "check", CLI + "nowhere");
    assertThat(missing.err())
        .isEqualTo(CLI + "nowhere: cannot read: no such file or directory\n"
            + "FAILED: 1 error in " + CLI + "nowhere\n");
    assertThat(missing.code()).isEqualTo(1);

    Files.writeString(empty.resolve("readme.txt"), "no rules here");
    Result none = run(Map.of(), "check", empty.toString());
    assertThat(none.err()).isEqualTo(empty + ": no rule files (*.yaml, *.yml) found\n");
    assertThat(none.code()).isEqualTo(1);
  }

  @Test
  void usageErrorsExitTwo() {
    Result noCommand = run(Map.of());
    assertThat(noCommand.err()).startsWith("sluice: missing command\nUsage: sluice [-hV] COMMAND");
    assertThat(noCommand.err()).contains("  check  Validate rate limit rules");
    assertThat(noCommand.code()).isEqualTo(2);

    Result noPath = run(Map.of(), "check");
    assertThat(noPath.err()).startsWith("Missing required parameter: 'PATH'");
    assertThat(noPath.code()).isEqualTo(2);

    Result unknown = run(Map.of(), "check", "--bogus", CLI + "valid");
    assertThat(unknown.err()).startsWith("Unknown option: '--bogus'");
    assertThat(unknown.code()).isEqualTo(2);
  }

  @Test
  void helpAndVersion() {
    Result help = run(Map.of(), "check", "--help");
    assertThat(help.out()).startsWith("Usage: sluice check [-hV] [--merge-domains] PATH\n");
    assertThat(help.code()).isZero();
    Result version = run(Map.of(), "--version");
    assertThat(version.out()).isEqualTo("sluice development\n");
    assertThat(version.code()).isZero();
  }
}
