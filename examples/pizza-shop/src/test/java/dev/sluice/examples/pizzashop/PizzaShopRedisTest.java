package dev.sluice.examples.pizzashop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import dev.sluice.testkit.redis.RedisStandalone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The shop with REDIS_URI set, against a real redis-server process. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PizzaShopRedisTest extends PizzaShopTest {

  private static final RedisStandalone REDIS = RedisStandalone.start();

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("REDIS_URI", REDIS::uri);
    // The behaviour under test is the shop's limits, not Redis latency: on a busy CI machine the
    // first script load can exceed the 50 ms default and hand decisions to the local fallback.
    registry.add("sluice.redis-timeout", () -> "5s");
  }

  @AfterAll
  static void stopRedis() {
    REDIS.close();
  }

  @Autowired
  Backend backend;

  @Test
  void countsInRedis() {
    assertThat(backend).isInstanceOf(RedisBackend.class);
    assertThat(((RedisBackend) backend).degradedDecisions()).isZero();
  }
}
