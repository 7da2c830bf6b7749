package dev.sluice.springapps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application started on a random port for a test, called over a real socket with
 * {@link HttpClient}; closing it stops it.
 */
public final class RunningApp implements AutoCloseable {

  private final ConfigurableApplicationContext context;
  private final int port;
  private final HttpClient client = HttpClient.newHttpClient();

  private RunningApp(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  /** Starts {@code app} with {@code properties} ({@code name=value}) on a random port. */
  public static RunningApp start(Class<?> app, String... properties) {
    String[] all = new String[properties.length + 2];
    all[0] = "server.port=0";
    all[1] = "server.address=127.0.0.1";
    System.arraycopy(properties, 0, all, 2, properties.length);
    return new RunningApp(new SpringApplicationBuilder(app).properties(all).run());
  }

  public ConfigurableApplicationContext context() {
    return context;
  }

  /** A GET of {@code path} with headers given as name, value, name, value... */
  public HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a GET of {@code path}. */
  public int status(String path, String... headers) throws Exception {
    return get(path, headers).statusCode();
  }

  /** The {@code Authorization} header value of basic auth for {@code user} with password pw. */
  public static String basic(String user) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":pw")
        .getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    context.close();
  }
}
