package dev.sluice.spring.gateway;

import dev.sluice.reactivesecurity.OpenReactiveSecurity;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import reactor.core.publisher.Mono;

/** A gateway whose clients are told apart by their X-Client header (none: an empty key). */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(OpenReactiveSecurity.class)
public class GatewayTestApp {

  @Bean
  KeyResolver clientKeyResolver() {
    return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("X-Client"));
  }
}
