package dev.sluice.spring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application started for real on a random port of 127.0.0.1, reached over real
 * sockets, closed by the test. Built on APIs that Spring Boot 3.5 and 4 share, so that the same
 * tests run on both lines ({@code sluice-spring-boot-starter-boot3}).
 */
final class RunningApp implements AutoCloseable {

  private final ConfigurableApplicationContext context;
  private final int port;
  private final HttpClient client = HttpClient.newHttpClient();

  private RunningApp(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  /** Starts {@code app} as a servlet web application with {@code properties} ({@code a=b}). */
  static RunningApp servlet(Class<?> app, String... properties) {
    return start(app, WebApplicationType.SERVLET, properties);
  }

  /** Starts {@code app} as a reactive web application with {@code properties} ({@code a=b}). */
  static RunningApp reactive(Class<?> app, String... properties) {
    return start(app, WebApplicationType.REACTIVE, properties);
  }

  private static RunningApp start(Class<?> app, WebApplicationType type, String... properties) {
    String[] all = new String[properties.length + 2];
    all[0] = "server.port=0";
    all[1] = "server.address=127.0.0.1";
    System.arraycopy(properties, 0, all, 2, properties.length);
    return new RunningApp(new SpringApplicationBuilder(app).web(type).properties(all).run());
  }

  ConfigurableApplicationContext context() {
    return context;
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  int port() {
    return port;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** A GET of {@code path} with {@code headers} (name, value, name, value...). */
  HttpResponse<String> get(String path, String... headers) throws IOException,
      InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    context.close();
  }
}
