package dev.sluice.micrometer;

import dev.sluice.memory.MemoryBackend;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Binds the gauges of a {@link MemoryBackend} to a registry, each tagged {@code store} (default
 * {@code memory}; name stores apart when an application has several):
 *
 * <table>
 *   <caption>Meters (Prometheus names in brackets)</caption>
 *   <tr><th>meter</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@code sluice.store.keys} ({@code sluice_store_keys})</td><td>gauge</td>
 *       <td>keys held now, over every limiter of the store ({@link MemoryBackend#size()})</td></tr>
 *   <tr><td>{@code sluice.store.capacity} ({@code sluice_store_capacity})</td><td>gauge</td>
 *       <td>the most keys it keeps ({@link MemoryBackend#maxKeys()})</td></tr>
 *   <tr><td>{@code sluice.store.full.refusals} ({@code sluice_store_full_refusals_total})</td>
 *       <td>function counter</td><td>requests for new keys answered without state because the
 *       store was full of live keys ({@link MemoryBackend#rejectedWhenFull()})</td></tr>
 *   <tr><td>{@code sluice.store.expirations} ({@code sluice_store_expirations_total})</td>
 *       <td>function counter</td><td>idle keys removed ({@link MemoryBackend#expirations()})</td>
 *   </tr>
 * </table>
 *
 * <p>The meters read the store when the registry is scraped and cost the limiters nothing. As
 * Micrometer's gauges do, they hold the store weakly: bind a store the application keeps (every
 * limiter opened on it does).
 *
 * <pre>{@code
 * MemoryBackend store = MemoryBackend.builder().maxKeys(100_000).build();
 * new MemoryBackendMetrics(store).bindTo(registry);
 * }</pre>
 */
public final class MemoryBackendMetrics implements MeterBinder {

  /** Gauge: keys held. */
  public static final String KEYS = "sluice.store.keys";
  /** Gauge: the most keys held. */
  public static final String CAPACITY = "sluice.store.capacity";
  /** Function counter: new keys refused while full. */
  public static final String FULL_REFUSALS = "sluice.store.full.refusals";
  /** Function counter: keys expired. */
  public static final String EXPIRATIONS = "sluice.store.expirations";
  /** Tag: the store's name. */
  public static final String STORE = "store";

  private final MemoryBackend backend;
  private final Tags tags;

  /** The store's meters, tagged {@code store="memory"}. */
  public MemoryBackendMetrics(MemoryBackend backend) {
    this(backend, "memory");
  }

  /** The store's meters, tagged {@code store=<store>}. */
  public MemoryBackendMetrics(MemoryBackend backend, String store) {
    this.backend = Objects.requireNonNull(backend, "backend must not be null");
    this.tags = Tags.of(STORE, Objects.requireNonNull(store, "store must not be null"));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder(KEYS, backend, MemoryBackend::size).tags(tags)
        .description("Keys held by the in-memory store").register(registry);
    Gauge.builder(CAPACITY, backend, MemoryBackend::maxKeys).tags(tags)
        .description("The most keys the in-memory store holds").register(registry);
    FunctionCounter.builder(FULL_REFUSALS, backend, MemoryBackend::rejectedWhenFull).tags(tags)
        .description("New keys answered without state because the in-memory store was full")
        .register(registry);
    FunctionCounter.builder(EXPIRATIONS, backend, MemoryBackend::expirations).tags(tags)
        .description("Idle keys removed from the in-memory store").register(registry);
  }
}
