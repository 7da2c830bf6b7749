package dev.sluice.enforcement.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The shared settings work in an application without {@code sluice-redis} (a servlet filter on
 * the memory backend): a failure policy is checked and made (it is a core type).
 */
class WithoutRedisTest {

  /** Runs in the class loader without Redis; answers what it saw. */
  public static final class Probe implements Supplier<String> {
    @Override
    public String get() {
      Settings ok = Settings.resolve(EnforcementSettings.BACKEND_SETTINGS, Dialect.FILTER,
          List.of(Sources.lookup(Map.of("failure-policy", "local-fallback")::get, "sluice.")));
      String made;
      try {
        ok.get(EnforcementSettings.FAILURE_POLICY);
        made = "made";
      } catch (IllegalStateException e) {
        made = e.getMessage();
      }
      String bad;
      try {
        Settings.resolve(EnforcementSettings.BACKEND_SETTINGS, Dialect.FILTER,
            List.of(Sources.lookup(Map.of("failure-policy", "retry")::get, "sluice.")));
        bad = "accepted";
      } catch (SettingException e) {
        bad = e.getMessage();
      }
      return ok.get(EnforcementSettings.BACKEND) + " " + ok.get(EnforcementSettings.MAX_KEYS)
          + " | " + made + " | " + bad;
    }
  }

  @Test
  void aFailurePolicyIsCheckedWithoutSluiceRedis() throws Exception {
    ClassLoader without = new ClassLoader("without-redis", getClass().getClassLoader()) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("dev.sluice.redis.") || name.startsWith("io.lettuce.")) {
          throw new ClassNotFoundException(name + " is not on this class path");
        }
        if (!name.startsWith("dev.sluice.enforcement.")) {
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
    };
    @SuppressWarnings("unchecked")
    Supplier<String> probe = (Supplier<String>) without.loadClass(Probe.class.getName())
        .getConstructor().newInstance();
    // The failure policy is a core type: it is made without sluice-redis too.
    assertThat(probe.get()).isEqualTo("memory 1000000 | made"
        + " | sluice.failure-policy: unknown failure policy 'retry'; use fail-open, fail-closed"
        + " or local-fallback");
  }
}
