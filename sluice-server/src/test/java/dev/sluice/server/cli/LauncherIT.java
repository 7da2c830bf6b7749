package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/sluice} as a real process, in a scratch checkout whose {@code mvnw} is a stand-in
 * that records each call and "builds" by copying the real shaded jar: the launcher builds when the
 * jar is missing or older than a source file or a pom.xml, and otherwise runs the jar directly.
 */
class LauncherIT {

  private static final String BUILD = " -q -pl sluice-server -am package -DskipTests";

  @TempDir Path checkout;
  private Path log;
  private Path jar;

  @BeforeEach
  void scratchCheckout() throws IOException {
    Path bin = Files.createDirectories(checkout.resolve("bin"));
    Path launcher = bin.resolve("sluice");
    Files.copy(Path.of(System.getProperty("sluice.launcher")), launcher);
    executable(launcher);
    Path mvnw = checkout.resolve("mvnw");
    Files.writeString(mvnw, String.join("\n",
        "#!/usr/bin/env bash",
        "echo \"$PWD $*\" >> mvnw.log",
        "if [ -e fail-build ]; then echo 'BUILD FAILURE (stand-in)'; exit 3; fi",
        "mkdir -p sluice-server/target",
        "cp \"$REAL_JAR\" sluice-server/target/sluice-server-9.9.9.jar",
        ""));
    executable(mvnw);
    log = checkout.resolve("mvnw.log");
    jar = checkout.resolve("sluice-server/target/sluice-server-9.9.9.jar");
    Instant hourAgo = Instant.now().minusSeconds(3600);
    write("pom.xml", "<project/>", hourAgo);
    write("sluice-core/pom.xml", "<project/>", hourAgo);
    write("sluice-core/src/main/java/A.java", "class A {}", hourAgo);
    write("sluice-server/pom.xml", "<project/>", hourAgo);
    Files.createDirectories(checkout.resolve("rules"));
    Files.copy(Path.of(CheckCommandTest.CLI + "valid/nested/edge.yaml"),
        checkout.resolve("rules/edge.yaml"));
    Files.writeString(checkout.resolve("rules/bad.yaml.off"), "domain: ''\n");
  }

  private void write(String relative, String content, Instant time) throws IOException {
    Path file = checkout.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(time));
  }

  private static void executable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Processes.Result launch(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        checkout.resolve("bin/sluice").toString()));
    command.addAll(List.of(args));
    // Started from another directory: the launcher must find its checkout by itself.
    return Processes.run(checkout.resolve("rules"), Map.of(
        "REAL_JAR", Processes.shadedJar().toString(),
        "JAVA_HOME", System.getProperty("java.home")), command);
  }

  private List<String> builds() throws IOException {
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  private static final List<String> TRACKED = List.of("pom.xml", "sluice-core/pom.xml",
      "sluice-core/src/main/java/A.java", "sluice-server/pom.xml");

  /** Makes the jar half an hour old and all sources older, except {@code newer}. */
  private void ageJarWith(@Nullable String newer) throws IOException {
    Instant now = Instant.now();
    // Directories count too (adding or deleting a source file changes its directory).
    try (Stream<Path> all = Files.walk(checkout.resolve("sluice-core"))) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Files.setLastModifiedTime(p, FileTime.from(now.minusSeconds(3600)));
      }
    }
    for (String f : TRACKED) {
      Files.setLastModifiedTime(checkout.resolve(f), FileTime.from(now.minusSeconds(3600)));
    }
    Files.setLastModifiedTime(jar, FileTime.from(now.minusSeconds(1800)));
    if (newer != null) {
      Files.setLastModifiedTime(checkout.resolve(newer), FileTime.from(now.minusSeconds(1700)));
    }
  }

  @Test
  void buildsOnceWhenTheJarIsMissingThenRunsItDirectly() throws Exception {
    Processes.Result first = launch("check", "edge.yaml");
    assertThat(first.code()).isZero();
    assertThat(first.out()).endsWith("OK: 1 domain, 2 descriptors, 2 limits, 0 routes in 1 file\n");
    assertThat(first.err()).isEqualTo("sluice: building sluice-server (./mvnw" + BUILD + ")\n");
    assertThat(builds()).containsExactly(checkout.toRealPath() + BUILD);

    Processes.Result second = launch("check", "edge.yaml");
    assertThat(second.code()).isZero();
    assertThat(second.err()).isEmpty();
    assertThat(second.out()).isEqualTo(first.out());
    assertThat(builds()).hasSize(1);
  }

  @Test
  void rebuildsWhenASourceFileOrAPomIsNewerThanTheJar() throws Exception {
    assertThat(launch("check", "edge.yaml").code()).isZero();
    assertThat(builds()).hasSize(1);

    // An old jar with older sources is used as it is.
    ageJarWith(null);
    assertThat(launch("check", "edge.yaml").code()).isZero();
    assertThat(builds()).hasSize(1);

    int expected = 1;
    ageJarWith(null);
    Files.delete(checkout.resolve("sluice-core/src/main/java/A.java"));
    assertThat(launch("check", "edge.yaml").code()).isZero();
    assertThat(builds()).as("after deleting a source file").hasSize(++expected);
    Files.writeString(checkout.resolve("sluice-core/src/main/java/A.java"), "class A {}");
    for (String file : TRACKED) {
      ageJarWith(file);
      Processes.Result r = launch("check", "edge.yaml");
      assertThat(r.code()).isZero();
      assertThat(builds()).as("after touching %s", file).hasSize(++expected);
      assertThat(launch("check", "edge.yaml").code()).isZero();
      assertThat(builds()).as("the rebuilt jar is used").hasSize(expected);
    }
  }

  @Test
  void passesEveryArgumentAndTheExitCodeThrough() throws Exception {
    Processes.Result bad = launch("check", "missing.yaml");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).isEmpty();
    assertThat(bad.err()).endsWith("missing.yaml: cannot read: no such file or directory\n"
        + "FAILED: 1 error in missing.yaml\n");
    Processes.Result usage = launch("check", "--merge-domains");
    assertThat(usage.code()).isEqualTo(2);
  }

  @Test
  void aFailedBuildStopsWithItsOutputOnStderr() throws Exception {
    Files.writeString(checkout.resolve("fail-build"), "");
    Processes.Result r = launch("check", "edge.yaml");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("sluice: building sluice-server (./mvnw" + BUILD + ")\n"
        + "BUILD FAILURE (stand-in)\n"
        + "sluice: the build failed; see the output above\n");
    assertThat(Files.exists(jar)).isFalse();
  }
}
