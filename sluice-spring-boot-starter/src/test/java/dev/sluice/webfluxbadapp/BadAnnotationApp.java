package dev.sluice.webfluxbadapp;

import dev.sluice.servlet.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A WebFlux application whose {@code @RateLimited} is wrong: it must not start. */
@SpringBootApplication
public class BadAnnotationApp {

  @RestController
  static class Wrong {
    @GetMapping("/wrong")
    @RateLimited("lots per minute")
    Mono<String> wrong() {
      return Mono.just("never");
    }
  }
}
