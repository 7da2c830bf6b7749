package dev.sluice.springapps.keys;

import dev.sluice.servlet.RateLimited;
import dev.sluice.spring.RequestKeyResolver;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A secured MVC application for keys from code: basic-auth users and a JWT resource server whose
 * tokens are signed by a key made in the test ({@link #PUBLIC_KEY}, set before start), a filter
 * that sets the request attribute {@code tenant} from the query parameter {@code t}, and two
 * {@link RequestKeyResolver} beans, one of which throws.
 */
@SpringBootApplication
@EnableWebSecurity
public class KeysApp {

  /** The public key the resource server verifies tokens with; set by the test before start. */
  private static volatile RSAPublicKey publicKey;

  public static void publicKey(RSAPublicKey key) {
    publicKey = key;
  }

  @Bean
  SecurityFilterChain chain(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.requestMatchers("/open").permitAll()
            .anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults()))
        .csrf(c -> c.disable())
        .build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}pw").roles("USER").build(),
        User.withUsername("bob").password("{noop}pw").roles("USER").build());
  }

  @Bean
  JwtDecoder jwtDecoder() throws Exception {
    RSAPublicKey key = publicKey;
    if (key == null) {   // a test that sends no tokens
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      key = (RSAPublicKey) g.generateKeyPair().getPublic();
    }
    return NimbusJwtDecoder.withPublicKey(key).build();
  }

  @Bean
  TenantAttribute tenantAttribute() {
    return new TenantAttribute();
  }

  /** Sets the request attribute {@code tenant} from the parameter {@code t}, before Sluice. */
  static final class TenantAttribute implements Filter, Ordered {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      String t = request.getParameter("t");
      if (t != null) {
        request.setAttribute("tenant", t);
      }
      chain.doFilter(request, response);
    }

    @Override
    public int getOrder() {
      return -150;
    }
  }

  @Bean
  RequestKeyResolver tenantKey() {
    return request -> request.header("X-Tenant").orElse(null);
  }

  @Bean
  RequestKeyResolver broken() {
    return request -> {
      if (request.header("X-Boom").isPresent()) {
        throw new IllegalStateException("boom");
      }
      return request.header("X-Tenant").orElse(null);
    };
  }

  @RestController
  static class Hello {
    @GetMapping("/hello")
    String hello() {
      return "hello";
    }

    @GetMapping("/open")
    String open() {
      return "open";
    }

    @GetMapping("/per-tenant")
    @RateLimited(value = "1/minute", keyExpression = "header('X-Tenant')")
    String perTenant() {
      return "tenant";
    }

    @GetMapping("/per-claim")
    @RateLimited(value = "1/minute", key = "jwt:tenant")
    String perClaim() {
      return "claim";
    }
  }
}
