package dev.sluice.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * The example over HTTP on Reactor Netty, as {@code spring-boot:run} starts it but on a random
 * port with a limit of 4 per minute: every key gets exactly its limit, the search its own limit,
 * and BlockHound sees no blocking call on a non-blocking thread.
 */
class WebFluxAppTest {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final List<String> BLOCKING_CALLS = new CopyOnWriteArrayList<>();

  private static ConfigurableApplicationContext app;
  private static int port;

  @BeforeAll
  static void start() {
    BlockHound.builder().loadIntegrations().blockingMethodCallback(m -> {
      BLOCKING_CALLS.add(m + " on " + Thread.currentThread().getName());
      throw new BlockingOperationError(m);
    }).install();
    app = new SpringApplicationBuilder(WebFluxApp.class)
        .properties("server.port=0", "server.address=127.0.0.1", "LIMIT=4/minute")
        .run();
    port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    SpringApplication.exit(app);
  }

  @AfterEach
  void nothingBlocked() {
    assertThat(BLOCKING_CALLS).isEmpty();
  }

  private static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyApiKeyGetsExactlyItsLimit() throws Exception {
    for (String key : List.of("key-a", "key-b")) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        statuses.add(get("/quotes", "X-API-Key", key).statusCode());
      }
      assertThat(statuses).containsExactly(200, 200, 200, 200, 429, 429, 429);
    }
    HttpResponse<String> refused = get("/quotes", "X-API-Key", "key-a");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"4/minute\";q=4;w=60");
    assertThat(refused.body()).contains("\"title\":\"Too Many Requests\",\"status\":429");
  }

  @Test
  void theSearchHasALimitOfItsOwn() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> found = get("/quotes/search?q=simplicity", "X-API-Key", "key-s");
      assertThat(found.statusCode()).isEqualTo(200);
      assertThat(found.body())
          .isEqualTo("{\"quotes\":[\"Simplicity is prerequisite for reliability.\"]}");
    }
    HttpResponse<String> refused = get("/quotes/search?q=simplicity", "X-API-Key", "key-s");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
    // the search's own limit is per key too
    assertThat(get("/quotes/search?q=fast", "X-API-Key", "key-t").statusCode()).isEqualTo(200);
  }
}
