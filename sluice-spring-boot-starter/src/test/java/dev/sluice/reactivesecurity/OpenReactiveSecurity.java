package dev.sluice.reactivesecurity;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * Spring Security is on the tests' class path (for the keys from the principal and JWT claims);
 * the reactive test applications that import this leave every request open, as they did without
 * it. In a package of its own, which no test application scans.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class OpenReactiveSecurity {

  @Bean
  SecurityWebFilterChain openReactiveChain(ServerHttpSecurity http) {
    return http.authorizeExchange(a -> a.anyExchange().permitAll())
        .csrf(ServerHttpSecurity.CsrfSpec::disable).build();
  }
}
