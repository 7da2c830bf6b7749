package dev.sluice.examples.pizzashop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.memory.MemoryBackend;
import dev.sluice.spi.Backend;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The shop with no REDIS_URI: counters in memory. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "sluice.backend=memory")
class PizzaShopMemoryTest extends PizzaShopTest {

  @Autowired
  Backend backend;

  @Test
  void countsInMemory() {
    assertThat(backend).isInstanceOf(MemoryBackend.class);
  }
}
