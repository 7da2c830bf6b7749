package dev.sluice.server;

import dev.sluice.server.gateway.GatewayProcess;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium run headless by a test, one page load per process: the page runs for a
 * virtual-time budget (its timers and polling run, the network is real), then Chromium prints the
 * rendered DOM or writes a screenshot and exits. The page's console lines ({@code INFO:CONSOLE})
 * are read from Chromium's log on stderr. Stopped by pid, with every process it started.
 */
final class HeadlessChromium {

  static final String BINARY = "/usr/bin/chromium";

  /** What a load left: the rendered DOM (empty for a screenshot) and the console lines. */
  record Page(String dom, List<String> console) {}

  private HeadlessChromium() {}

  /** Loads {@code uri}, lets it run for {@code budget} of virtual time, returns its DOM. */
  static Page dumpDom(URI uri, Path dir, Duration budget) throws IOException, InterruptedException {
    return run(uri, dir, budget, "--dump-dom");
  }

  /**
   * Loads {@code uri}, lets it run for {@code budget}, writes a PNG of the window to {@code png}.
   */
  static Page screenshot(URI uri, Path dir, Duration budget, Path png)
      throws IOException, InterruptedException {
    return run(uri, dir, budget, "--screenshot=" + png.toAbsolutePath());
  }

  private static Page run(URI uri, Path dir, Duration budget, String what)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    Path out = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Path err = dir.resolve("chromium-" + System.nanoTime() + ".err");
    Path chromium = GatewayProcess.binary(BINARY, "chromium");
    List<String> command = new ArrayList<>(List.of(chromium.toString(),
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
        "--enable-logging=stderr", "--v=0", "--window-size=1400,1600",
        "--virtual-time-budget=" + budget.toMillis(), what, uri.toString()));
    Process p = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError("chromium did not finish loading " + uri + " in 90 s: "
            + Files.readString(err, StandardCharsets.UTF_8));
      }
    } finally {
      List<ProcessHandle> children = p.descendants().toList();
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      children.forEach(ProcessHandle::destroyForcibly);
    }
    List<String> console = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
        .filter(line -> line.contains(":CONSOLE")).toList();
    return new Page(Files.readString(out, StandardCharsets.UTF_8), console);
  }
}
