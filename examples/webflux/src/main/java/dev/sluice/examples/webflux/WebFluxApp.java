package dev.sluice.examples.webflux;

import dev.sluice.servlet.RateLimited;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A reactive quotes API: every request counts against 10 per minute per API key (the
 * {@code sluice.*} properties in application.properties), and a search, which is expensive, has
 * a limit of its own, 3 per minute per key ({@code @RateLimited}). Nothing here blocks: the
 * handlers return {@link Mono}s and Sluice decides asynchronously.
 */
@SpringBootApplication
public class WebFluxApp {

  public static void main(String[] args) {
    SpringApplication.run(WebFluxApp.class, args);
  }

  @RestController
  static class Quotes {
    private static final List<String> QUOTES = List.of(
        "Make it work, make it right, make it fast.",
        "Simplicity is prerequisite for reliability.",
        "Premature optimization is the root of all evil.");

    @GetMapping("/quotes")
    Mono<Map<String, List<String>>> all() {
      return Mono.just(Map.of("quotes", QUOTES));
    }

    /** A slow search: it waits without holding a thread, and it has its own limit. */
    @GetMapping("/quotes/search")
    @RateLimited(value = "3/minute", key = "api-key")
    Mono<Map<String, List<String>>> search(@RequestParam("q") String q) {
      return Flux.fromIterable(QUOTES)
          .filter(quote -> quote.toLowerCase(Locale.ROOT).contains(q.toLowerCase(Locale.ROOT)))
          .collectList()
          .delayElement(Duration.ofMillis(20))
          .map(found -> Map.of("quotes", found));
    }
  }
}
