package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ManualSleeper;
import dev.sluice.springapps.methods.MethodsApp;
import dev.sluice.springapps.batch.BatchApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Mono;

/**
 * {@code @RateLimited} on any bean (AOP), in a real MVC application on a random port: exact counts
 * per SpEL key, the exception with the decision, waiting on a manual clock, asynchronous and
 * reactive results, a class-wide counter, concurrent calls, controllers counted once, and an
 * application without a web server.
 */
class RateLimitedBeansTest {

  private static RunningApp app;
  private static MethodsApp.Quotes quotes;

  @BeforeAll
  static void start() {
    app = RunningApp.servlet(MethodsApp.class);
    quotes = app.context().getBean(MethodsApp.Quotes.class);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static int status(String path) throws Exception {
    return app.get(path).statusCode();
  }

  @Test
  void countsPerKeyExpressionAndThrowsWithTheDecision() {
    assertThat(AopUtils.isAopProxy(quotes)).isTrue();
    int before = quotes.calls();
    assertThat(quotes.quote("ann")).isEqualTo("quote for ann");
    assertThat(quotes.quote("ann")).isEqualTo("quote for ann");
    assertThatThrownBy(() -> quotes.quote("ann"))
        .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
          assertThat(e.limiter()).isEqualTo(MethodsApp.Quotes.class.getName() + "#quote");
          assertThat(e.decision().allowed()).isFalse();
          assertThat(e.decision().limitName()).isEqualTo("2/minute");
          assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
          assertThat(e).hasMessage("Rate limit 2/minute of " + e.limiter()
              + " exceeded; retry after 30000 ms");
        });
    assertThat(quotes.quote("ben")).isEqualTo("quote for ben");
    assertThat(quotes.calls() - before).isEqualTo(3);  // the refused call never ran
    assertThat(app.context().getBean(MethodsApp.Decisions.class).limiters())
        .contains(MethodsApp.Quotes.class.getName() + "#quote denied");
  }

  @Test
  void waitsUpToMaxWaitOnTheSleeper() {
    ManualSleeper sleeper = app.context().getBean(ManualSleeper.class);
    assertThat(quotes.patient("cat")).isEqualTo("patient cat");
    int waits = sleeper.waits().size();
    assertThat(quotes.patient("cat")).isEqualTo("patient cat");  // waited 60 s for the permit
    assertThat(sleeper.waits().subList(waits, sleeper.waits().size()))
        .containsExactly(60_000_000L);
    assertThat(quotes.hurried()).isEqualTo("hurried");
    assertThatThrownBy(() -> quotes.hurried())   // 60 s would pass maxWait 30s
        .isInstanceOf(RateLimitExceededException.class);
  }

  @Test
  void asynchronousAndReactiveResultsFailInsteadOfThrowing() throws Exception {
    assertThat(quotes.later().get()).isEqualTo("later");
    CompletableFuture<String> refused = quotes.later();
    assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RateLimitExceededException.class);

    int before = quotes.calls();
    Mono<String> mono = quotes.reactive();
    assertThat(quotes.calls()).isEqualTo(before);  // nothing acquired before subscription
    assertThat(mono.block()).isEqualTo("reactive");
    assertThatThrownBy(() -> quotes.reactive().block())
        .isInstanceOf(RateLimitExceededException.class);
    assertThat(quotes.calls() - before).isEqualTo(1);

    assertThat(quotes.stream().collectList().block()).containsExactly("a", "b");
    assertThatThrownBy(() -> quotes.stream().collectList().block())
        .isInstanceOf(RateLimitExceededException.class);
  }

  @Test
  void concurrentCallsAreCountedExactly() throws Exception {
    int before = quotes.calls();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        results.add(pool.submit(() -> {
          try {
            quotes.quote("eve");
            return true;
          } catch (RateLimitExceededException e) {
            return false;
          }
        }));
      }
      int allowed = 0;
      for (Future<Boolean> r : results) {
        allowed += r.get() ? 1 : 0;
      }
      assertThat(allowed).isEqualTo(2);
      assertThat(quotes.calls() - before).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anApplicationWithoutAWebServerLimitsItsBeansToo() {
    try (ConfigurableApplicationContext batch = new SpringApplicationBuilder(BatchApp.class)
        .web(WebApplicationType.NONE).run()) {
      BatchApp.Mailer mailer = batch.getBean(BatchApp.Mailer.class);
      for (int i = 0; i < 3; i++) {
        assertThat(mailer.send("fay")).isEqualTo("sent to fay");
      }
      assertThatThrownBy(() -> mailer.send("fay")).isInstanceOf(RateLimitExceededException.class);
      assertThat(mailer.send("gus")).isEqualTo("sent to gus");
    }
  }

  @Test
  void aClassWideAnnotationIsOneCounterForItsMethods() {
    MethodsApp.Reports reports = app.context().getBean(MethodsApp.Reports.class);
    assertThat(reports.daily()).isEqualTo("daily");
    assertThatThrownBy(reports::weekly).isInstanceOfSatisfying(RateLimitExceededException.class,
        e -> assertThat(e.limiter()).isEqualTo(MethodsApp.Reports.class.getName()));
    assertThat(reports.toString()).isNotNull();   // Object's methods are not limited
  }

  @Test
  void controllersAreCountedOnceByTheWebLayer() throws Exception {
    assertThat(status("/api")).isEqualTo(200);
    assertThat(status("/api")).isEqualTo(200);
    assertThat(status("/api")).isEqualTo(429);
    List<String> apiDecisions = app.context().getBean(MethodsApp.Decisions.class).limiters()
        .stream().filter(l -> l.startsWith(MethodsApp.Api.class.getName())).toList();
    assertThat(apiDecisions).hasSize(3);
    // a controller calling a limited service: the service's limit, per customer
    assertThat(status("/quote?customer=dora")).isEqualTo(200);
    assertThat(status("/quote?customer=dora")).isEqualTo(200);
    var refused = app.get("/quote?customer=dora");
    assertThat(refused.statusCode()).isEqualTo(429);   // the filter's 429, not a 500
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(refused.body()).contains("\"status\":429").doesNotContain("Exception");
  }
}
