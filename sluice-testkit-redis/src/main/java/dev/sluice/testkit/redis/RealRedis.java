package dev.sluice.testkit.redis;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit Jupiter extension handing tests a real server: a parameter (of a constructor, a {@code
 * BeforeAll}/{@code BeforeEach} or a test method) of type {@link RedisStandalone}, {@link
 * RedisCluster} or {@link RedisSentinel} receives one instance shared by the whole test run,
 * started on first use and stopped when the run ends.
 *
 * <pre>{@code
 * @ExtendWith(RealRedis.class)
 * class MyTest {
 *   @BeforeAll static void setUp(RedisCluster cluster) { ... cluster.uri() ... }
 * }
 * }</pre>
 *
 * <p>Tests that kill or restart nodes should start their own instance with {@code start()} and
 * close it, so that they leave the shared one intact.
 */
public final class RealRedis implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealRedis.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == RedisStandalone.class || type == RedisCluster.class
        || type == RedisSentinel.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == RedisStandalone.class) {
      return shared(context, RedisStandalone.class, RedisStandalone::start);
    }
    if (type == RedisCluster.class) {
      return shared(context, RedisCluster.class, RedisCluster::start);
    }
    return shared(context, RedisSentinel.class, RedisSentinel::start);
  }

  // getOrComputeIfAbsent rather than JUnit 6's computeIfAbsent: applications on Spring Boot 3.5
  // run this extension on the JUnit 5 line that Boot manages, which has only the former.
  @SuppressWarnings("deprecation")
  private static <T extends AutoCloseable> T shared(ExtensionContext context, Class<T> type,
      Supplier<T> starter) {
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    Closing<?> holder = store.getOrComputeIfAbsent(type, t -> new Closing<>(starter.get()),
        Closing.class);
    return type.cast(holder.value);
  }

  /**
   * Closes the server when JUnit closes the root store at the end of the run: JUnit 6 closes
   * values that are {@link AutoCloseable}, JUnit 5 (up to 5.12) those that are a {@code
   * CloseableResource}; this is both, and JUnit closes it once.
   */
  // "deprecation": CloseableResource, for JUnit 5; "try": close() declares what AutoCloseable's
  // does, though the servers' close() throws nothing
  @SuppressWarnings({"deprecation", "try"})
  private static final class Closing<T extends AutoCloseable>
      implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    final T value;

    Closing(T value) {
      this.value = value;
    }

    @Override
    public void close() throws Exception {
      value.close();
    }
  }
}
