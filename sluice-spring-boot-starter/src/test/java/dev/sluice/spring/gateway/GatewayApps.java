package dev.sluice.spring.gateway;

import dev.sluice.reactivesecurity.OpenReactiveSecurity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts gateway applications on random ports and calls them over real sockets. */
final class GatewayApps {
  static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  private GatewayApps() {}

  /** The properties of route {@code index}: its id, upstream, path and RequestRateLimiter args. */
  static List<String> route(int index, String id, String upstream, String path,
      Map<String, String> args) {
    String r = ROUTES + "[" + index + "]";
    List<String> p = new ArrayList<>(List.of(r + ".id=" + id, r + ".uri=" + upstream,
        r + ".predicates[0]=Path=" + path, r + ".filters[0].name=RequestRateLimiter",
        r + ".filters[0].args.key-resolver=#{@clientKeyResolver}"));
    args.forEach((k, v) -> p.add(r + ".filters[0].args." + k + "=" + v));
    return p;
  }

  static ConfigurableApplicationContext start(List<String> properties, Class<?>... sources) {
    List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
        "spring.main.banner-mode=off"));
    all.addAll(properties);
    // over the test class path's application.properties, which turns the gateway off for the
    // servlet tests
    // Spring Security, on the test class path, left open (not imported by the test applications,
    // which the servlet tests' TestApp scans)
    return new SpringApplicationBuilder(sources).sources(OpenReactiveSecurity.class)
        .web(WebApplicationType.REACTIVE)
        .properties(all.toArray(String[]::new))
        .run("--spring.cloud.gateway.server.webflux.enabled=true");
  }

  static HttpResponse<String> get(ConfigurableApplicationContext gateway, String path,
      String client) throws Exception {
    String port = gateway.getEnvironment().getProperty("local.server.port");
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (client != null) {
      b.header("X-Client", client);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends {@code n} requests; returns how many the gateway let through (200), checking the rest are {@code refused}. */
  static int allowed(ConfigurableApplicationContext gateway, String path, String client, int n,
      int refused) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      int status = get(gateway, path, client).statusCode();
      if (status == 200) {
        ok++;
      } else if (status != refused) {
        throw new AssertionError("request " + (i + 1) + " of " + client + " to " + path
            + " answered " + status);
      }
    }
    return ok;
  }
}
