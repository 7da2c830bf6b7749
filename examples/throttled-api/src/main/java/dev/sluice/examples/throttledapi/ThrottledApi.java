package dev.sluice.examples.throttledapi;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A JSON API where every user has a token bucket of 5 tokens refilled over 10 seconds; a search
 * costs 2 tokens and a report all 5. The limits live in {@code application.properties}: the code
 * knows nothing of them.
 */
@SpringBootApplication
public class ThrottledApi {

  public static void main(String[] args) {
    SpringApplication.run(ThrottledApi.class, args);
  }

  @RestController
  static class Api {
    @GetMapping("/")
    Map<String, String> root() {
      return Map.of("message", "Hello User, you have access!");
    }

    @GetMapping("/search")
    SearchResult search(@RequestParam(name = "q", defaultValue = "") String q) {
      return new SearchResult(q, java.util.List.of()); // a record keeps the JSON field order
    }

    @GetMapping("/report")
    Map<String, String> report() {
      return Map.of("report", "everything is fine");
    }
  }

  /** What /search answers. */
  public record SearchResult(String query, java.util.List<String> results) {}
}
