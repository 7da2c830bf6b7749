package dev.sluice.webfluxapp;

import dev.sluice.servlet.RateLimited;
import java.time.Duration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A small WebFlux application for the starter's reactive tests (in a package of its own, so that
 * the servlet tests' application does not scan it).
 */
@SpringBootApplication
public class WebFluxTestApp {

  @RestController
  static class Greetings {
    @GetMapping("/hello")
    Mono<String> hello() {
      return Mono.just("hello");
    }

    @GetMapping("/expensive")
    @RateLimited(value = "1/minute", key = "ip")
    Mono<String> expensive() {
      return Mono.just("expensive");
    }

    /** Answers the status asked for, after a short non-blocking delay. */
    @GetMapping("/status/{code}")
    Mono<ResponseEntity<String>> status(@PathVariable("code") int code) {
      return Mono.delay(Duration.ofMillis(5))
          .map(t -> ResponseEntity.status(code).body("status " + code));
    }

    /** 401 unless the password is right: with count-statuses=401 only failures count. */
    @GetMapping("/login")
    Mono<ResponseEntity<String>> login(
        @RequestHeader(name = "X-Password", required = false) String password) {
      return Mono.just("open sesame".equals(password)
          ? ResponseEntity.ok("welcome")
          : ResponseEntity.status(401).body("wrong password"));
    }

    /** Answers after two seconds, for clients that give up before. */
    @GetMapping("/slow")
    Mono<String> slow() {
      return Mono.delay(Duration.ofSeconds(2)).thenReturn("slow");
    }

    @GetMapping("/fails")
    Mono<String> fails() {
      return Mono.error(new IllegalStateException("the handler failed"));
    }

    /** Blocks the event loop on purpose: BlockHound must catch it. */
    @GetMapping("/blocks")
    Mono<String> blocks() {
      return Mono.fromCallable(() -> {
        Thread.sleep(1);
        return "slept";
      });
    }
  }

  /** One counter for the whole class; a method annotation wins over it. */
  @RestController
  @RequestMapping("/reports")
  @RateLimited(value = "2/minute", key = "header:X-User")
  static class Reports {
    @GetMapping("/daily")
    Mono<String> daily() {
      return Mono.just("daily");
    }

    @GetMapping("/weekly")
    Mono<String> weekly() {
      return Mono.just("weekly");
    }

    @GetMapping("/yearly")
    @RateLimited(value = "1/minute", key = "header:X-User")
    Mono<String> yearly() {
      return Mono.just("yearly");
    }
  }
}
