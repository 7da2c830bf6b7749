package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.FailurePolicy;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/** sluice-redis is optional: without it on the class path, memory works and Redis says why not. */
class WithoutRedisTest {

  /**
   * The test class path without sluice-redis and Lettuce, over the platform class loader: an
   * application that did not add sluice-redis.
   */
  private static URLClassLoader withoutRedis() throws Exception {
    String path = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<URL> urls = new ArrayList<>();
    for (String entry : path.split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (!entry.isBlank() && !name.startsWith("sluice-redis") && !name.startsWith("lettuce")
          && !entry.replace(File.separatorChar, '/').contains("/sluice-redis/")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    return new URLClassLoader("without-redis", urls.toArray(URL[]::new),
        ClassLoader.getPlatformClassLoader());
  }

  /** Runs inside {@link #withoutRedis()}; reports what it saw. */
  public static final class Probe implements Callable<List<String>> {
    @Override
    public List<String> call() {
      List<String> seen = new ArrayList<>();
      seen.add("redis available: " + Backends.redisAvailable());
      Backend memory = Backends.open(BackendSpec.memory()
          .withFailurePolicy(FailurePolicy.FAIL_CLOSED));
      seen.add("memory: " + (memory instanceof MemoryBackend));
      RuleSet rules = RuleLoader.create().parse(Map.of("a.yaml", """
          domain: a
          descriptors:
            - {key: k, rate_limit: {unit: minute, requests_per_unit: 1}}
          """));
      Enforcer enforcer = Enforcer.builder(() -> rules, ModeBackends.consistent(memory, true))
          .build();
      for (int i = 0; i < 2; i++) {
        seen.add("decided: " + enforcer.decide("a", List.of(new Item(Descriptor.of("k", "v"), 1)),
            Enforcer.Counting.EACH).join().allowed());
      }
      enforcer.backends().close();
      try {
        Backends.open(BackendSpec.redis("redis://localhost:6379"));
        seen.add("redis opened");
      } catch (IllegalArgumentException e) {
        seen.add(e.getMessage());
      }
      return seen;
    }
  }

  @Test
  void memoryWorksAndARedisUriSaysWhatIsMissing() throws Exception {
    try (URLClassLoader loader = withoutRedis()) {
      @SuppressWarnings("unchecked")
      Callable<List<String>> probe = (Callable<List<String>>) loader
          .loadClass(Probe.class.getName()).getDeclaredConstructor().newInstance();
      assertThat(probe.getClass().getClassLoader()).isSameAs(loader);
      assertThat(probe.call()).containsExactly(
          "redis available: false",
          "memory: true",
          "decided: true",
          "decided: false",
          "a Redis URI needs dev.sluice:sluice-redis on the classpath");
    }
  }
}
