package dev.sluice.examples.fixedwindow;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A fixed window of 300 requests per 30 seconds per route and client address, windows
 * aligned to the clock, with {@code X-RateLimit-*} headers that can be switched off.
 */
@SpringBootApplication
public class FixedWindowApp {

  public static void main(String[] args) {
    SpringApplication.run(FixedWindowApp.class, args);
  }

  @RestController
  static class Views {
    @GetMapping("/rate-limited")
    Map<String, String> rateLimited() {
      return Map.of("response", "This is a rate limited response");
    }

    @GetMapping("/also-limited")
    Map<String, String> alsoLimited() {
      return Map.of("response", "This route has a window of its own");
    }
  }
}
