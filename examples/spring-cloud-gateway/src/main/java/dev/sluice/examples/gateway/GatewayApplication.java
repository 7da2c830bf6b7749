package dev.sluice.examples.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * A Spring Cloud Gateway in front of one upstream whose RequestRateLimiter filters count with
 * Sluice ({@code application.yml}): clients are told apart by their {@code X-Client-Id} header.
 */
@SpringBootApplication
public class GatewayApplication {

  /** The header that names the client. */
  public static final String CLIENT_HEADER = "X-Client-Id";

  /**
   * The client of a request: its {@value #CLIENT_HEADER}; none (an empty key) when it has none,
   * which the gateway refuses with 403 ({@code deny-empty-key}).
   */
  @Bean
  KeyResolver clientKeyResolver() {
    return exchange -> Mono.justOrEmpty(
        exchange.getRequest().getHeaders().getFirst(CLIENT_HEADER));
  }

  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }
}
