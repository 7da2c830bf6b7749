package dev.sluice.testkit.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Finds the {@code redis-server} executable: {@code $SLUICE_REDIS_SERVER}, else {@code
 * redis-server} on {@code PATH}, else the binary for this OS and CPU packaged in the {@code
 * com.github.codemonstur:embedded-redis} jar, extracted once into a cache directory under {@code
 * java.io.tmpdir} that concurrent JVMs share safely (write to a temp file, then atomic rename).
 */
public final class RedisBinary {

  private static volatile @Nullable Path cached;

  private RedisBinary() {}

  /** The executable to run, located (and extracted if needed) on first use. */
  public static Path path() {
    Path p = cached;
    if (p == null) {
      synchronized (RedisBinary.class) {
        p = cached;
        if (p == null) {
          p = locate();
          cached = p;
        }
      }
    }
    return p;
  }

  private static Path locate() {
    String explicit = System.getenv("SLUICE_REDIS_SERVER");
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("SLUICE_REDIS_SERVER=" + explicit + " is not executable");
      }
      return p;
    }
    String pathVar = System.getenv("PATH");
    if (pathVar != null) {
      for (String dir : pathVar.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Path.of(dir, "redis-server");
          if (Files.isExecutable(candidate)) {
            return candidate;
          }
        }
      }
    }
    return extractPackaged();
  }

  /** The embedded-redis resource matching this machine. */
  static String resourceName() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    boolean arm = arch.equals("aarch64") || arch.equals("arm64");
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
    if (os.contains("linux")) {
      if (x64) {
        return "redis-server-6.2.6-v5-linux-amd64";
      }
      if (arm) {
        return "redis-server-6.2.7-linux-arm64";
      }
    } else if (os.contains("mac")) {
      if (x64) {
        return "redis-server-6.2.6-v5-darwin-amd64";
      }
      if (arm) {
        return "redis-server-6.2.6-v5-darwin-arm64";
      }
    }
    throw new IllegalStateException("no redis-server on PATH and no packaged binary for " + os
        + "/" + arch + "; install redis-server or set SLUICE_REDIS_SERVER");
  }

  private static Path extractPackaged() {
    String name = resourceName();
    ClassLoader loader = RedisBinary.class.getClassLoader();
    try (InputStream probe = loader.getResourceAsStream(name)) {
      if (probe == null) {
        throw new IllegalStateException("no redis-server on PATH and resource " + name
            + " not on the classpath (is com.github.codemonstur:embedded-redis a dependency?)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Path dir = Path.of(System.getProperty("java.io.tmpdir"), "sluice-testkit-redis");
      Files.createDirectories(dir);
      Path target = dir.resolve(name);
      long size;
      try (InputStream in = loader.getResourceAsStream(name)) {
        size = in == null ? -1 : in.transferTo(OutputStreamSink.INSTANCE);
      }
      if (Files.isExecutable(target) && Files.size(target) == size) {
        return target;
      }
      Path tmp = Files.createTempFile(dir, name, ".part");
      try (InputStream in = loader.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("resource " + name + " vanished");
        }
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      if (!tmp.toFile().setExecutable(true, false)) {
        throw new IOException("cannot make " + tmp + " executable");
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract packaged " + name, e);
    }
  }

  /** Counts bytes without keeping them (to compare a cached copy's size). */
  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
