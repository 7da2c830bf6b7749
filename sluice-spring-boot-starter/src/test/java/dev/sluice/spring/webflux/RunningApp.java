package dev.sluice.spring.webflux;

import dev.sluice.reactivesecurity.OpenReactiveSecurity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A Spring Boot web application on a random port of 127.0.0.1, called over HTTP. */
final class RunningApp implements AutoCloseable {
  // HTTP/1.1 as the applications speak it: no h2c upgrade attempt on a fresh connection
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();
  /** A request unanswered for this long fails its test rather than hanging the build. */
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  final ConfigurableApplicationContext context;
  final int port;

  private RunningApp(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  /** Starts {@code app} as a reactive application with these properties. */
  static RunningApp start(Class<?> app, String... properties) {
    return start(app, WebApplicationType.REACTIVE, properties);
  }

  /** Starts {@code app} as a web application of {@code type} with these properties. */
  static RunningApp start(Class<?> app, WebApplicationType type, String... properties) {
    return start(app, type, type == WebApplicationType.REACTIVE, properties);
  }

  /** Starts {@code app}, a reactive application with its own Spring Security configuration. */
  static RunningApp startSecured(Class<?> app, String... properties) {
    return start(app, WebApplicationType.REACTIVE, false, properties);
  }

  private static RunningApp start(Class<?> app, WebApplicationType type, boolean openSecurity,
      String... properties) {
    String[] all = new String[properties.length + 2];
    all[0] = "server.port=0";
    all[1] = "server.address=127.0.0.1";
    System.arraycopy(properties, 0, all, 2, properties.length);
    SpringApplicationBuilder b = new SpringApplicationBuilder(app);
    if (openSecurity) {
      b.sources(OpenReactiveSecurity.class);  // Spring Security is on the tests' class path
    }
    return new RunningApp(b
        .web(type)
        .properties(all)
        .run());
  }

  /** GET {@code path} with header names and values. */
  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(TIMEOUT);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code count} GETs of {@code path} at once; the statuses, in no particular order. */
  List<Integer> concurrently(int count, String path, String... headers) {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT);
      if (headers.length > 0) {
        b.headers(headers);
      }
      all.add(CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
    }
    return all.stream().map(f -> f.join().statusCode()).toList();
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  @Override
  public void close() {
    context.close();
  }
}
