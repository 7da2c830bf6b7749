package dev.sluice.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * A class loader that cannot see Micrometer nor sluice-micrometer, as an application without them,
 * and defines Sluice's own classes itself (so that they resolve their references through it);
 * everything else comes from the test class path.
 */
final class WithoutMicrometer extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  WithoutMicrometer() {
    super("without-micrometer", WithoutMicrometer.class.getClassLoader());
  }

  private static boolean hidden(String name) {
    return name.startsWith("io.micrometer.") || name.startsWith("dev.sluice.micrometer.")
        || name.startsWith("io/micrometer/") || name.startsWith("dev/sluice/micrometer/");
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (hidden(name)) {
      throw new ClassNotFoundException(name + " is not on this class path");
    }
    if (!name.startsWith("dev.sluice.") || name.equals(WithoutMicrometer.class.getName())) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
          if (in == null) {
            throw new ClassNotFoundException(name);
          }
          byte[] bytes = in.readAllBytes();
          c = defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
          throw new ClassNotFoundException(name, e);
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  @Override
  public URL getResource(String name) {
    return hidden(name) ? null : super.getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    return hidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
  }
}
