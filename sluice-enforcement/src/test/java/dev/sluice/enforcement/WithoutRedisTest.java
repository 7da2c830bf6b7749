package dev.sluice.enforcement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.FailurePolicy;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/** sluice-redis is optional: without it on the class path, memory works and Redis says why not. */
class WithoutRedisTest {

  /** Hides sluice-redis and Lettuce; defines Sluice's classes itself, so they resolve through it. */
  static final class Loader extends ClassLoader {
    Loader() {
      super("without-redis", WithoutRedisTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("dev.sluice.redis.") || name.startsWith("io.lettuce.")) {
        throw new ClassNotFoundException(name + " is not on this class path");
      }
      if (!name.startsWith("dev.sluice.") || name.startsWith(Loader.class.getName())) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try (InputStream in = getParent().getResourceAsStream(
              name.replace('.', '/') + ".class")) {
            if (in == null) {
              throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            c = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return c;
      }
    }
  }

  /** Runs inside {@link Loader}; reports what it saw. */
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
    Loader loader = new Loader();
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
