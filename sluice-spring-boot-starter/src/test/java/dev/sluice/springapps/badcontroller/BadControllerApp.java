package dev.sluice.springapps.badcontroller;

import dev.sluice.servlet.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A controller whose {@code @RateLimited} key expression does not parse. */
@SpringBootApplication
public class BadControllerApp {

  @RestController
  public static class Api {
    @GetMapping("/x")
    @RateLimited(value = "1/minute", keyExpression = "header('X-Tenant'")
    String get() {
      return "x";
    }
  }
}
