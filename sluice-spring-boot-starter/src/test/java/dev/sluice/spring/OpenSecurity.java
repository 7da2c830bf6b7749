package dev.sluice.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security is on the tests' class path (for the keys from the principal and JWT claims);
 * {@link TestApp} leaves every request open, as it did without it.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
class OpenSecurity {

  @Bean
  SecurityFilterChain openChain(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .csrf(c -> c.disable()).build();
  }
}
