package dev.sluice.webfluxsecureapp;

import dev.sluice.spring.SluiceExemption;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A WebFlux application behind Spring Security (HTTP Basic, users ann and bob; {@code /open} is
 * open to anyone), for the keys that read the principal, key expressions and exemption beans (in
 * a package of its own, which no other test application scans).
 */
@SpringBootApplication
@EnableWebFluxSecurity
public class SecuredWebFluxApp {

  @Bean
  SecurityWebFilterChain basicAuth(ServerHttpSecurity http) {
    return http.authorizeExchange(a -> a.pathMatchers("/open").permitAll()
            .anyExchange().authenticated())
        .httpBasic(b -> { })
        .csrf(ServerHttpSecurity.CsrfSpec::disable)
        .build();
  }

  @Bean
  MapReactiveUserDetailsService users() {
    return new MapReactiveUserDetailsService(
        User.withUsername("ann").password("{noop}pw").roles("USER").build(),
        User.withUsername("bob").password("{noop}pw").roles("USER").build());
  }

  /** Requests of the monitoring probe are never counted. */
  @Bean
  SluiceExemption monitoringProbe() {
    return request -> request.header("X-Probe").filter("health"::equals).isPresent();
  }

  @RestController
  static class Greetings {
    @GetMapping("/hello")
    Mono<String> hello() {
      return Mono.just("hello");
    }

    @GetMapping("/open")
    Mono<String> open() {
      return Mono.just("open");
    }
  }
}
