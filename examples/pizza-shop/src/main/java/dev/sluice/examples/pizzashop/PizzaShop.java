package dev.sluice.examples.pizzashop;

import dev.sluice.servlet.RateLimited;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A shop whose customers are basic-auth users. {@code /} is unlimited; {@code /pizza} and {@code
 * /pasta} each have several limits per user, applied all-or-nothing (a request refused by the
 * per-minute limit uses none of the per-hour one). Counters live in Redis when {@code REDIS_URI}
 * is set, in memory otherwise.
 */
@SpringBootApplication
public class PizzaShop {

  public static void main(String[] args) {
    SpringApplication.run(PizzaShop.class, args);
  }

  @RestController
  static class Shop {
    @GetMapping("/")
    Map<String, String> menu() {
      return Map.of("menu", "pizza, pasta");
    }

    @GetMapping("/pizza")
    @RateLimited(value = "2/minute;10/hour", key = "user")
    Map<String, String> pizza() {
      return Map.of("order", "pizza");
    }

    @GetMapping("/pasta")
    @RateLimited(value = "3/minute;15/hour", key = "user")
    Map<String, String> pasta() {
      return Map.of("order", "pasta");
    }
  }
}
