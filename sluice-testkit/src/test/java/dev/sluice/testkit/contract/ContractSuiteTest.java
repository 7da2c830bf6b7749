package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@link ContractSuite} runs every contract class: a backend extending it misses none. */
class ContractSuiteTest {

  @Test
  void everyContractClassIsNestedInTheSuite() throws Exception {
    Set<Class<?>> contracts = contractClasses();
    assertThat(contracts).hasSizeGreaterThanOrEqualTo(8);
    List<Class<?>> nested = List.of(ContractSuite.class.getDeclaredClasses());
    assertThat(contracts).allSatisfy(c -> assertThat(nested).anyMatch(c::isAssignableFrom));
  }

  /** The public abstract classes of the contract package that extend AbstractContract. */
  private static Set<Class<?>> contractClasses() throws IOException, URISyntaxException {
    Path root = Path.of(AbstractContract.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    String pkg = AbstractContract.class.getPackageName().replace('.', '/');
    if (Files.isDirectory(root)) {
      return classesIn(root.resolve(pkg));
    }
    try (FileSystem jar = FileSystems.newFileSystem(root, Map.of())) {
      return classesIn(jar.getPath(pkg));
    }
  }

  private static Set<Class<?>> classesIn(Path dir) throws IOException {
    String pkg = AbstractContract.class.getPackageName();
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".class") && !n.contains("$"))
          .map(n -> load(pkg + "." + n.substring(0, n.length() - ".class".length())))
          .filter(c -> c != AbstractContract.class && AbstractContract.class.isAssignableFrom(c)
              && Modifier.isAbstract(c.getModifiers()) && Modifier.isPublic(c.getModifiers()))
          .collect(Collectors.toSet());
    }
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, ContractSuiteTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
