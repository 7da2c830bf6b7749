package dev.sluice.springapps.methods;

import dev.sluice.Decision;
import dev.sluice.LimiterListener;
import dev.sluice.ManualClock;
import dev.sluice.ManualSleeper;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.servlet.RateLimited;
import dev.sluice.spi.Backend;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code @RateLimited} on plain beans: a {@code @Service} with keyed, waiting, asynchronous and
 * reactive methods, a class-wide annotation, and a controller whose annotation the web layer
 * applies (once). Time is a {@link ManualClock} that the {@link ManualSleeper} advances: the
 * starter's limiters wait with the application's {@code Sleeper} bean.
 */
@SpringBootApplication
@EnableWebSecurity
public class MethodsApp {

  @Bean
  SecurityFilterChain open(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .csrf(c -> c.disable()).build();
  }

  @Bean
  ManualClock clock() {
    return new ManualClock(1_000_000);
  }

  @Bean
  Backend backend(ManualClock clock) {
    return MemoryBackend.builder().clock(clock).build();
  }

  @Bean
  ManualSleeper sleeper(ManualClock clock) {
    return new ManualSleeper(clock);
  }

  @Bean
  Decisions decisions() {
    return new Decisions();
  }

  /** Every decision's limiter name, as the limiters report them. */
  public static final class Decisions implements LimiterListener {
    private final List<String> limiters = new CopyOnWriteArrayList<>();

    /** "name allowed" or "name denied", in order. */
    public List<String> limiters() {
      return limiters;
    }

    @Override
    public void onDecision(String limiter, long permits, Decision decision) {
      limiters.add(limiter + (decision.allowed() ? " allowed" : " denied"));
    }
  }

  @Service
  public static class Quotes {
    private final AtomicInteger calls = new AtomicInteger();

    /** How many calls ran (refused ones never run). */
    public int calls() {
      return calls.get();
    }

    @RateLimited(value = "2/minute", keyExpression = "#p0")
    public String quote(String customer) {
      calls.incrementAndGet();
      return "quote for " + customer;
    }

    @RateLimited(value = "1/minute", keyExpression = "#a0.length() > 0 ? #a0 : null",
        maxWait = "2m")
    public String patient(String customer) {
      calls.incrementAndGet();
      return "patient " + customer;
    }

    @RateLimited(value = "1/minute", maxWait = "30s")
    public String hurried() {
      calls.incrementAndGet();
      return "hurried";
    }

    @RateLimited("1/minute")
    public CompletableFuture<String> later() {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture("later");
    }

    @RateLimited("1/minute")
    public Flux<String> stream() {
      return Flux.just("a", "b");
    }

    @RateLimited("1/minute")
    public Mono<String> reactive() {
      return Mono.fromCallable(() -> {
        calls.incrementAndGet();
        return "reactive";
      });
    }
  }

  /** One counter for every method of the class. */
  @Service
  @RateLimited("1/minute")
  public static class Reports {
    public String daily() {
      return "daily";
    }

    public String weekly() {
      return "weekly";
    }
  }

  @RestController
  public static class Api {
    private final Quotes quotes;

    Api(Quotes quotes) {
      this.quotes = quotes;
    }

    @GetMapping("/api")
    @RateLimited("2/minute")
    String api() {
      return "api";
    }

    @GetMapping("/quote")
    String quote(@RequestParam("customer") String customer) {
      return quotes.quote(customer);
    }
  }
}
