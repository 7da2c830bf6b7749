package dev.sluice.bench.server;

import dev.sluice.Clock;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.Item;
import dev.sluice.enforcement.ModeBackends;
import dev.sluice.enforcement.Observer;
import dev.sluice.enforcement.TopClients;
import dev.sluice.enforcement.Verdict;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the top-clients view adds to one decision of the enforcement layer (memory backend, one
 * descriptor): the same decisions with {@link Observer#NONE} and with {@link TopClients}, on one
 * hot client or spread over many (every client new to its minute's summary: the scan of the
 * counters on each call, the worst case).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class TopClientsCost {

  private static final RuleSet RULES = RuleLoader.create().parse(Map.of("api.yaml", """
      domain: api
      descriptors:
        - key: user
          rate_limit: {unit: second, requests_per_unit: 1000}
      """));

  /** Distinct clients the calls cycle through. */
  @Param({"1", "1000000"})
  public int clients;

  private Enforcer plain;
  private Enforcer observed;
  private MemoryBackend plainBackend;
  private MemoryBackend observedBackend;
  private List<Item>[] items;
  private int next;

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    plainBackend = MemoryBackend.builder().maxKeys(2_000_000).build();
    observedBackend = MemoryBackend.builder().maxKeys(2_000_000).build();
    plain = Enforcer.builder(() -> RULES, ModeBackends.consistent(plainBackend, false)).build();
    observed = Enforcer.builder(() -> RULES, ModeBackends.consistent(observedBackend, false))
        .observer(new TopClients(20, 500, Clock.system())).build();
    items = new List[clients];
    for (int i = 0; i < clients; i++) {
      items[i] = List.of(new Item(Descriptor.of("user", "client-" + i), 1, null));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    plainBackend.close();
    observedBackend.close();
  }

  private List<Item> nextItems() {
    List<Item> i = items[next];
    next = next + 1 == clients ? 0 : next + 1;
    return i;
  }

  /** A decision, nothing observing it. */
  @Benchmark
  public Verdict decide() {
    return plain.decide("api", nextItems(), Enforcer.Counting.ALL_OR_NOTHING).join();
  }

  /** The same decision, counted by the top-clients view. */
  @Benchmark
  public Verdict decideWithTopClients() {
    return observed.decide("api", nextItems(), Enforcer.Counting.ALL_OR_NOTHING).join();
  }
}
