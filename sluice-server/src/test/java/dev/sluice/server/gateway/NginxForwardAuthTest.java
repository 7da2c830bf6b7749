package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.Running;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * nginx ({@code /usr/sbin/nginx}, Debian's package) with {@code auth_request}, on the example's
 * {@code nginx.conf}: its three addresses replaced by free ports, every other line as shipped.
 */
class NginxForwardAuthTest extends GatewayContract {

  @Override
  GatewayProcess startGateway(Path dir, int port, String sluice, String app) throws Exception {
    Path nginx = GatewayProcess.binary("/usr/sbin/nginx", "nginx");
    String conf = example("nginx.conf");
    conf = replaceOnce(conf, "server 127.0.0.1:8000;", "server " + app + ";");
    conf = replaceOnce(conf, "server 127.0.0.1:8080;", "server " + sluice + ";");
    conf = replaceOnce(conf, "listen 127.0.0.1:8090;", "listen 127.0.0.1:" + port + ";");
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, conf);
    // the prefix (-p) holds the pid file, logs and temp directories the configuration names
    return GatewayProcess.start("nginx", dir, List.of(nginx.toString(), "-p", dir.toString(),
        "-c", file.toString(), "-e", "stderr", "-g", "daemon off;"), Map.of(), port,
        dir.resolve("error.log"));
  }

  /** {@code text} with its one {@code literal} directive replaced: the example must have it. */
  static String replaceOnce(String text, String literal, String replacement) {
    int at = text.indexOf(literal);
    assertThat(at).as("nginx.conf names %s", literal).isNotNegative();
    assertThat(text.indexOf(literal, at + 1)).as("nginx.conf names %s once", literal).isNegative();
    return text.replace(literal, replacement);
  }

  @Override
  void refusalBody(HttpResponse<String> refused) {
    // auth_request passes on Sluice's 403 (deny_status=403); error_page makes it the client's 429
    assertThat(refused.body()).isEqualTo("{\"error\":\"rate limit exceeded\"}\n");
    assertThat(header(refused, "Content-Type")).isEqualTo("application/json");
  }

  @Test
  void loginsAreLimitedPerClientAddressFromXForwardedFor() throws Exception {
    Running.clearOfAMinuteBoundary();
    // nginx appends this test's address (127.0.0.1, a trusted proxy in sluice.yaml) to the
    // X-Forwarded-For it receives: the client is the address before it
    String a = "203.0.113.7";
    assertThat(logins(4, "X-Forwarded-For", a)).containsExactly(200, 200, 200, 429);
    assertThat(logins(1, "X-Forwarded-For", "203.0.113.8")).containsExactly(200);
    assertThat(app.requests(q -> q.path().equals("/login")
        && q.forwardedFor().equals(a))).hasSize(3);
    // the login route is POST only: a GET is the catch-all's, per address
    HttpResponse<String> get = send(request("/login").header("X-Forwarded-For", a));
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(header(get, "X-RateLimit-Limit")).isEqualTo("50");
  }
}
