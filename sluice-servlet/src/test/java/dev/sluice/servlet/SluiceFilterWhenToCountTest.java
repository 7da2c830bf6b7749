package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exemptions, counting only some responses and the refusal status, in a real Tomcat called over
 * HTTP from 127.0.0.1.
 */
class SluiceFilterWhenToCountTest {

  /** 200 when the X-Password header is right, else 401; optionally slow. */
  static final class Login extends HttpServlet {
    private final long sleepMillis;

    Login(long sleepMillis) {
      this.sleepMillis = sleepMillis;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      boolean right = "open sesame".equals(req.getHeader("X-Password"));
      resp.setStatus(right ? 200 : 401);
      resp.setContentType("text/plain");
      resp.getWriter().print(right ? "welcome" : "wrong password");
    }
  }

  /** Always fails. */
  static final class Broken extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      throw new IllegalStateException("broken");
    }
  }

  /** Answers asynchronously, with the status of the "status" query parameter. */
  static final class Async extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      AsyncContext async = req.startAsync();
      int status = Integer.parseInt(req.getParameter("status"));
      async.start(() -> {
        ((HttpServletResponse) async.getResponse()).setStatus(status);
        async.complete();
      });
    }
  }

  private EmbeddedTomcat server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private EmbeddedTomcat start(SluiceFilter filter, HttpServlet servlet) throws Exception {
    server = new EmbeddedTomcat().servlet("app", servlet, "/*").filter(filter).start();
    return server;
  }

  private static List<Integer> statuses(List<HttpResponse<String>> responses) {
    return responses.stream().map(HttpResponse::statusCode).toList();
  }

  @Test
  void exemptPathsAreNeverCountedNorGivenHeaders() throws Exception {
    start(SluiceFilter.builder().limits("2/minute").exemptPaths("/health", "/actuator/**")
        .build(), new EmbeddedTomcat.Hello());
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> health = server.get("/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.headers().firstValue("X-RateLimit-Limit")).isEmpty();
      assertThat(server.get("/actuator/info").statusCode()).isEqualTo(200);
    }
    assertThat(server.get("/a").headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
    assertThat(server.get("/a").statusCode()).isEqualTo(200);
    assertThat(server.get("/a").statusCode()).isEqualTo(429);
    assertThat(server.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void exemptAddressesAreMatchedAfterTrustedProxies() throws Exception {
    // Tomcat's peer is 127.0.0.1, a trusted proxy: the client is the hop it appended
    start(SluiceFilter.builder().limits("2/minute").trustedProxies("127.0.0.1")
        .exemptAddresses("10.1.0.0/16").build(), new EmbeddedTomcat.Hello());
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = server.get("/a", "X-Forwarded-For", "10.1.2.3");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("ok 10.1.2.3");
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }
    List<HttpResponse<String>> other = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      other.add(server.get("/a", "X-Forwarded-For", "10.2.0.1"));
    }
    assertThat(statuses(other)).containsExactly(200, 200, 429);
    // a client cannot claim an exempt address from an untrusted hop
    assertThat(server.get("/a", "X-Forwarded-For", "10.1.2.3, 10.2.0.1").statusCode())
        .isEqualTo(429);
  }

  @Test
  void anExemptionPredicateSeesTheRequest() throws Exception {
    start(SluiceFilter.builder().limits("1/minute")
        .exempt(r -> r.header("X-Internal-Token").filter("s3cret"::equals).isPresent())
        .build(), new EmbeddedTomcat.Hello());
    for (int i = 0; i < 4; i++) {
      assertThat(server.get("/a", "X-Internal-Token", "s3cret").statusCode()).isEqualTo(200);
    }
    assertThat(server.get("/a", "X-Internal-Token", "guess").statusCode()).isEqualTo(200);
    assertThat(server.get("/a", "X-Internal-Token", "guess").statusCode()).isEqualTo(429);
    assertThat(server.get("/a").statusCode()).isEqualTo(429);
  }

  @Test
  void onlyFailedLoginsCount() throws Exception {
    start(SluiceFilter.builder().limits("3/minute").countStatuses("401").build(), new Login(0));
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = server.send("POST", "/login", "X-Password", "open sesame");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("welcome");
    }
    List<HttpResponse<String>> failures = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      failures.add(server.send("POST", "/login", "X-Password", "guess " + i));
    }
    assertThat(statuses(failures)).containsExactly(401, 401, 401, 429);
    assertThat(failures.get(3).headers().firstValue("Retry-After")).isPresent();
    // three failures used the budget: even the right password waits now
    assertThat(server.send("POST", "/login", "X-Password", "open sesame").statusCode())
        .isEqualTo(429);
  }

  @Test
  void concurrentRequestsNeverCountMoreThanTheLimit() throws Exception {
    int limit = 5;
    int threads = 24;
    start(SluiceFilter.builder().limits(limit + "/minute").countStatuses("401").build(),
        new Login(100));
    List<Integer> got = server.sendAtOnce(threads, "POST", "/login", "X-Password", "guess");
    assertThat(got.stream().filter(s -> s == 401).count()).isEqualTo(limit);
    assertThat(got.stream().filter(s -> s == 429).count()).isEqualTo(threads - limit);
    assertThat(server.send("POST", "/login", "X-Password", "open sesame").statusCode())
        .isEqualTo(429);
  }

  @Test
  void aHandlerThatThrowsCountsAs500() throws Exception {
    start(SluiceFilter.builder().limits("2/minute").countStatuses("5xx").build(), new Broken());
    List<HttpResponse<String>> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      got.add(server.get("/a"));
    }
    assertThat(statuses(got)).containsExactly(500, 500, 429);
  }

  @Test
  void anAsyncRequestIsSettledWhenItCompletes() throws Exception {
    server = new EmbeddedTomcat().async().servlet("app", new Async(), "/*")
        .filter(SluiceFilter.builder().limits("2/minute").countStatuses("401").build()).start();
    for (int i = 0; i < 5; i++) {
      assertThat(server.get("/a?status=200").statusCode()).isEqualTo(200);
    }
    assertThat(server.get("/a?status=401").statusCode()).isEqualTo(401);
    assertThat(server.get("/a?status=401").statusCode()).isEqualTo(401);
    assertThat(server.get("/a?status=200").statusCode()).isEqualTo(429);
  }

  @Test
  void theRefusalStatusReplaces429() throws Exception {
    start(SluiceFilter.builder().limits("1/minute").refusalStatus(503).build(),
        new EmbeddedTomcat.Hello());
    assertThat(server.get("/a").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = server.get("/a");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.body()).contains("\"status\":503");
  }

  @Test
  void theSettingsWorkAsInitParams() throws Exception {
    server = new EmbeddedTomcat().servlet("app", new Login(0), "/*")
        .filter(SluiceFilter.class, Map.of("limits", "2/minute", "count-statuses", "400-499",
            "refusal-status", "403", "exempt-paths", "/open/**"))
        .start();
    for (int i = 0; i < 3; i++) {
      assertThat(server.send("POST", "/login", "X-Password", "open sesame").statusCode())
          .isEqualTo(200);
      assertThat(server.send("POST", "/open/x", "X-Password", "bad").statusCode())
          .isEqualTo(401);
    }
    assertThat(server.send("POST", "/login", "X-Password", "bad").statusCode()).isEqualTo(401);
    assertThat(server.send("POST", "/login", "X-Password", "bad").statusCode()).isEqualTo(401);
    assertThat(server.send("POST", "/login", "X-Password", "open sesame").statusCode())
        .isEqualTo(403);
  }

  @Test
  void badSettingsAreNamed() {
    assertThatThrownBy(() -> configure(Map.of("count-statuses", "4xx,oops")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("sluice.count-statuses: 'oops' is not a status (100-599), a range (400-499)"
            + " or a class (4xx)");
    assertThatThrownBy(() -> configure(Map.of("refusal-status", "200")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("sluice.refusal-status: '200' is not an integer in 400..599");
    assertThatThrownBy(() -> configure(Map.of("exempt-addresses", "10.0.0.0/8, office")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("sluice.exempt-addresses: 'office' is not an IP address");
    assertThatThrownBy(() -> configure(Map.of("rules", "../docs/../sluice-http/src/test/"
        + "resources/routes/shop.yaml", "descriptor-counting", "each",
        "count-statuses", "401")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("sluice.count-statuses: cannot be combined with"
            + " sluice.descriptor-counting each");
    assertThatThrownBy(() -> SluiceFilter.builder().countStatuses("1xx-2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("count-statuses: ");
    assertThatThrownBy(() -> SluiceFilter.builder().exemptPaths("health"))
        .hasMessage("exempt-paths: 'health' is not a path pattern: it must start with /"
            + " (e.g. /health, /actuator/**)");
    assertThatThrownBy(() -> configure(Map.of("exempt-paths", "/health, actuator")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("sluice.exempt-paths: 'actuator' is not a path pattern");
  }

  private static void configure(Map<String, String> settings) {
    SluiceSettings.configure(SluiceFilter.builder(), settings::get, "sluice.").build();
  }
}
