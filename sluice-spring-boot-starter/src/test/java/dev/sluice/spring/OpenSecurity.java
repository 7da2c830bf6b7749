package dev.sluice.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security is on the tests' class path (for the keys from the principal and JWT claims);
 * {@link TestApp} and the other test applications that import it leave every request open, as
 * they did without it.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
public class OpenSecurity {

  @Bean
  SecurityFilterChain openChain(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .csrf(c -> c.disable()).build();
  }
}
