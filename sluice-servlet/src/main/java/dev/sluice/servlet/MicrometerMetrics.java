package dev.sluice.servlet;

import dev.sluice.LimiterListener;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.micrometer.MemoryBackendMetrics;
import dev.sluice.micrometer.SluiceMetrics;
import dev.sluice.spi.Backend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.servlet.ServletContext;
import org.jspecify.annotations.Nullable;

/**
 * Touches Micrometer and sluice-micrometer (optional dependencies) only when both are present:
 * {@link SluiceFilter} calls {@link #available()} before anything else here, so the filter loads
 * and runs without them.
 */
final class MicrometerMetrics {

  private MicrometerMetrics() {}

  /** Whether Micrometer and sluice-micrometer are on the filter's class path. */
  static boolean available() {
    ClassLoader loader = MicrometerMetrics.class.getClassLoader();
    try {
      Class.forName("io.micrometer.core.instrument.MeterRegistry", false, loader);
      Class.forName("dev.sluice.micrometer.SluiceMetrics", false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Whether {@code registry} is a MeterRegistry; call only when {@link #available()}. */
  static boolean isRegistry(Object registry) {
    return registry instanceof MeterRegistry;
  }

  /**
   * The registry a filter declared in {@code web.xml} uses: the context attribute {@link
   * SluiceFilter#METER_REGISTRY_ATTRIBUTE} when it holds one, else Micrometer's global registry.
   */
  static Object registry(ServletContext context) {
    Object r = context.getAttribute(SluiceFilter.METER_REGISTRY_ATTRIBUTE);
    return r instanceof MeterRegistry ? r : Metrics.globalRegistry;
  }

  /** The listener counting decisions in {@code registry}. */
  static LimiterListener listener(Object registry) {
    return new SluiceMetrics((MeterRegistry) registry);
  }

  /** Binds the store's gauges when it is in memory; other stores have none. */
  static void bindStore(@Nullable Backend backend, Object registry) {
    if (backend instanceof MemoryBackend m) {
      new MemoryBackendMetrics(m).bindTo((MeterRegistry) registry);
    }
  }
}
